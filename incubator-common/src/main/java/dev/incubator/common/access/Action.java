package dev.incubator.common.access;

import java.util.Locale;

/**
 * Everything a subject can ask to do, across capabilities. Only names and wording live here; which roles, scopes,
 * visibilities and agreements allow each action is decided by the access-policy engine alone.
 */
public enum Action {
    // tenancy
    WHOAMI("seeing who you are"),
    OWN_TOKENS_READ("listing your tokens"),
    OWN_TOKENS_MANAGE("creating or revoking your tokens"),
    ORG_CREATE("creating organisations"),
    ORG_READ("seeing the organisation"),
    ORG_UPDATE("changing the organisation"),
    MEMBER_READ("listing members"),
    MEMBER_MANAGE("managing members"),
    OWNER_MANAGE("granting, changing or removing the owner role"),
    GRANT_READ("reading compute grants"),
    GRANT_MANAGE("managing compute grants"),
    ORG_AUDIT_READ("reading the organisation's audit log"),
    USER_CREATE("creating users"),
    USER_READ("listing users"),
    USER_DISABLE("disabling users"),
    USER_TOKEN_ISSUE("issuing tokens for other users"),
    USER_TOKEN_REVOKE("revoking other users' tokens"),
    AUDIT_READ("reading the platform audit log"),
    AUDIT_HEAD_READ("reading signed tree heads and consistency proofs"),
    AUDIT_WITNESS_MANAGE("registering witnesses of the audit log"),
    INBOX_READ("reading your inbox"),
    INBOX_MANAGE("marking your notices read"),
    // compute
    JOB_READ("seeing jobs"),
    JOB_SUBMIT("submitting jobs"),
    JOB_CANCEL("cancelling jobs"),
    CLUSTER_READ("seeing the cluster"),
    // toolkit
    TEMPLATE_READ("seeing job templates"),
    JOB_METRICS_REPORT("reporting a job's metrics"),
    // serving
    DEPLOYMENT_READ("seeing the organisation's deployments and their usage"),
    DEPLOYMENT_MANAGE("creating, changing or deleting deployments"),
    DEPLOYMENT_CALL("calling the deployment's model"),
    ENDPOINT_REGISTER("registering a replica's endpoint"),
    DEPLOYMENT_EXPOSE("exposing a deployment beyond its organisation"),
    // evaluation
    EVAL_READ("seeing the organisation's evaluation runs and their items"),
    EVAL_RUN("running evaluations"),
    // review
    APP_READ("seeing the organisation's applications and their reviews"),
    APP_MANAGE("registering applications and asking for their ethical review"),
    REVIEW_READ("seeing the ethics committee's queue"),
    REVIEW_VOTE("voting on, deciding and revoking ethical reviews"),
    // hub
    REPO_CREATE("creating repositories"),
    REPO_SEE("seeing the repository"),
    REPO_READ("reading the repository's files"),
    REPO_WRITE("pushing to the repository"),
    REPO_ADMIN("changing or deleting the repository"),
    HUB_KEY_SHRED("deleting an organisation's data key"),
    STORAGE_QUOTA_MANAGE("setting an organisation's storage quota"),
    // governance
    ACCESS_REQUEST("requesting access"),
    ACCESS_REVIEW("seeing every access request and the access report"),
    ACCESS_DECIDE("approving, denying or revoking access and granting lineage exceptions");

    private final String description;

    Action(String description) {
        this.description = description;
    }

    /** What the action does, as a gerund phrase for messages: "changing the organisation". */
    public String description() {
        return description;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
