package dev.incubator.common.access;

import dev.incubator.common.ErrorCode;
import java.util.List;
import java.util.Optional;

/**
 * An access decision: allowed, or denied with the error to answer ({@code NOT_FOUND} when the subject may not even
 * learn that the resource exists) and a reason that says what would change the answer. {@code agreement} names the
 * data-use agreement that decided a read of gated data; {@code gatedRead} marks an allowed read of gated data, to be
 * audited (under an agreement, or by its organisation or platform staff, who need none); {@code obligations} are the
 * terms that come with an allowed read, which the platform passes on to the reader.
 */
public record Decision(boolean allowed, Optional<ErrorCode> denial, String reason, Optional<String> agreement,
                       boolean gatedRead, List<String> obligations) {
    public Decision {
        obligations = List.copyOf(obligations);
    }

    public static Decision allow(String reason) {
        return new Decision(true, Optional.empty(), reason, Optional.empty(), false, List.of());
    }

    public static Decision deny(ErrorCode code, String reason) {
        return new Decision(false, Optional.of(code), reason, Optional.empty(), false, List.of());
    }

    /** A read of gated data that needs no agreement (its organisation, platform staff): still audited. */
    public static Decision allowGatedRead(String reason) {
        return new Decision(true, Optional.empty(), reason, Optional.empty(), true, List.of());
    }

    /** {@code obligations}: the agreement's terms the reader takes on with the data (e.g. "no-redistribution"). */
    public static Decision allowUnderAgreement(String agreement, String reason, List<String> obligations) {
        return new Decision(true, Optional.empty(), reason, Optional.of(agreement), true, obligations);
    }

    public static Decision denyUnderAgreement(Optional<String> agreement, String reason) {
        return new Decision(false, Optional.of(ErrorCode.FORBIDDEN), reason, agreement, false, List.of());
    }
}
