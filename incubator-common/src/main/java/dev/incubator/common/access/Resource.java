package dev.incubator.common.access;

import static java.util.Objects.requireNonNull;

/**
 * What an access decision is about. {@link Platform} stands for the platform itself and, for an action that
 * normally concerns one organisation or repository, for all of them at once ("may this subject read every
 * organisation's jobs?"), which only platform roles grant.
 */
public sealed interface Resource {
    /** Type recorded in audit events. */
    String type();

    /** Identifier recorded in audit events. */
    String id();

    /** Who owns a repository or a namespace. */
    enum OwnerKind { USER, ORGANISATION }

    /** Who may read a repository; see the hub's visibility. */
    enum Exposure { PUBLIC, ORGANISATION, PRIVATE, GATED }

    record Platform() implements Resource {
        @Override
        public String type() {
            return "platform";
        }

        @Override
        public String id() {
            return "platform";
        }
    }

    record Organisation(String id, String name) implements Resource {
        public Organisation {
            requireNonNull(id, "id is null");
            requireNonNull(name, "name is null");
        }

        @Override
        public String type() {
            return "organisation";
        }
    }

    /** A job of an organisation: what its own credential may act on, beside what the organisation's roles allow. */
    record Job(String id, String organisationId, String organisationName) implements Resource {
        public Job {
            requireNonNull(id, "id is null");
            requireNonNull(organisationId, "organisationId is null");
            requireNonNull(organisationName, "organisationName is null");
        }

        @Override
        public String type() {
            return "job";
        }
    }

    /** Who may call a deployment besides its organisation: nobody, named organisations (by id), every signed-in user. */
    enum Reach { PRIVATE, SHARED, PUBLIC }

    /** A served model: {@code name} as clients send it (org/name), its organisation, and who else may call it. */
    record Deployment(String id, String name, String organisationId, String organisationName, Reach reach,
                      java.util.Set<String> sharedWithOrganisationIds) implements Resource {
        public Deployment {
            requireNonNull(id, "id is null");
            requireNonNull(name, "name is null");
            requireNonNull(organisationId, "organisationId is null");
            requireNonNull(organisationName, "organisationName is null");
            requireNonNull(reach, "reach is null");
            sharedWithOrganisationIds = java.util.Set.copyOf(sharedWithOrganisationIds);
        }

        @Override
        public String type() {
            return "deployment";
        }
    }

    /** A user's or organisation's namespace of repositories. */
    record Namespace(String name, OwnerKind ownerKind, String ownerId) implements Resource {
        public Namespace {
            requireNonNull(name, "name is null");
            requireNonNull(ownerKind, "ownerKind is null");
            requireNonNull(ownerId, "ownerId is null");
        }

        @Override
        public String type() {
            return "namespace";
        }

        @Override
        public String id() {
            return name;
        }
    }

    /**
     * A model or dataset repository: {@code name} as users write it (namespace/name), who created it, and the
     * sensitive personal information its card declares (empty: none).
     */
    record Repository(String id, String name, OwnerKind ownerKind, String ownerId, Exposure exposure,
                      String createdBy, java.util.Set<Sensitivity> sensitive) implements Resource {
        public Repository(String id, String name, OwnerKind ownerKind, String ownerId, Exposure exposure,
                          String createdBy) {
            this(id, name, ownerKind, ownerId, exposure, createdBy, java.util.Set.of());
        }

        public Repository {
            sensitive = java.util.Set.copyOf(sensitive);
            requireNonNull(id, "id is null");
            requireNonNull(name, "name is null");
            requireNonNull(ownerKind, "ownerKind is null");
            requireNonNull(ownerId, "ownerId is null");
            requireNonNull(exposure, "exposure is null");
            requireNonNull(createdBy, "createdBy is null");
        }

        @Override
        public String type() {
            return "repository";
        }

        public boolean ownedByOrganisation() {
            return ownerKind == OwnerKind.ORGANISATION;
        }
    }

    static Resource platform() {
        return new Platform();
    }

    static Resource organisation(String id, String name) {
        return new Organisation(id, name);
    }
}
