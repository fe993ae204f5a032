package dev.incubator.tenancy;

/** Typed identifiers of the tenancy aggregates. */
public final class Ids {
    private Ids() {
    }

    public record OrgId(String value) {
        public OrgId {
            java.util.Objects.requireNonNull(value, "value is null");
        }

        @Override
        public String toString() {
            return value;
        }
    }

    public record UserId(String value) {
        public UserId {
            java.util.Objects.requireNonNull(value, "value is null");
        }

        @Override
        public String toString() {
            return value;
        }
    }

    public record TokenId(String value) {
        public TokenId {
            java.util.Objects.requireNonNull(value, "value is null");
        }

        @Override
        public String toString() {
            return value;
        }
    }

    public record GrantId(String value) {
        public GrantId {
            java.util.Objects.requireNonNull(value, "value is null");
        }

        @Override
        public String toString() {
            return value;
        }
    }
}
