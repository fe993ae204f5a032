package dev.incubator.common.access;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The role, scope and kind vocabularies every capability speaks, each with its lower-case wire name. */
public final class Roles {
    private Roles() {
    }

    /** Kind of member organisation. */
    public enum OrgKind { STARTUP, UNIVERSITY, LAB, ENTERPRISE, OPERATOR }

    /**
     * Role inside an organisation, in increasing order of power. A data steward is a member who also decides
     * access requests to the organisation's gated repositories; admins and owners may do so too.
     */
    public enum OrgRole {
        VIEWER, MEMBER, STEWARD, ADMIN, OWNER;

        public boolean atLeast(OrgRole other) {
            return compareTo(other) >= 0;
        }
    }

    /** Platform-wide roles held by incubator staff. */
    public enum PlatformRole { OPERATOR, REVIEWER, AUDITOR }

    /** What an API token may do: read (GET), write (create and change), admin (manage people, grants). */
    public enum Scope { READ, WRITE, ADMIN }

    public static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    public static <E extends Enum<E>> Optional<E> parse(Class<E> type, String wire) {
        if (wire == null) {
            return Optional.empty();
        }
        for (E constant : type.getEnumConstants()) {
            if (wire(constant).equals(wire)) {
                return Optional.of(constant);
            }
        }
        return Optional.empty();
    }

    /** "one of a, b, c" for error messages. */
    public static String choices(Class<? extends Enum<?>> type) {
        return "one of " + Arrays.stream(type.getEnumConstants()).map(Roles::wire).collect(Collectors.joining(", "));
    }
}
