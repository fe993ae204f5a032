package dev.incubator.notify;

import java.util.List;
import java.util.Optional;

/**
 * What the notification rules must know about people and things to address a notice; answered by the server from
 * tenancy, the hub and compute. Every list is of user ids.
 */
public interface Directory {
    /** Who decides access to a repository: stewards, admins and owners of its organisation, or its owning user. */
    List<String> accessDeciders(String repositoryId);

    /** Admins and owners of an organisation. */
    List<String> organisationAdmins(String organisationId);

    /** Users with the platform role operator. */
    List<String> operators();

    Optional<String> organisationName(String organisationId);

    Optional<String> userIdByName(String userName);

    /** The facts of a job a notice about it needs. */
    record JobFacts(String submitterId, String name, String state, String reasonCode, String message) {
    }

    Optional<JobFacts> job(String jobId);
}
