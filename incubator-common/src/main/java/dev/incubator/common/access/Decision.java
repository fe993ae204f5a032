package dev.incubator.common.access;

import dev.incubator.common.ErrorCode;
import java.util.Optional;

/**
 * An access decision: allowed, or denied with the error to answer ({@code NOT_FOUND} when the subject may not even
 * learn that the resource exists) and a reason that says what would change the answer. {@code agreement} names the
 * data-use agreement that decided a read of gated data; {@code gatedRead} marks an allowed read of gated data, to be
 * audited (under an agreement, or by its organisation or platform staff, who need none).
 */
public record Decision(boolean allowed, Optional<ErrorCode> denial, String reason, Optional<String> agreement,
                       boolean gatedRead) {
    public static Decision allow(String reason) {
        return new Decision(true, Optional.empty(), reason, Optional.empty(), false);
    }

    public static Decision deny(ErrorCode code, String reason) {
        return new Decision(false, Optional.of(code), reason, Optional.empty(), false);
    }

    /** A read of gated data that needs no agreement (its organisation, platform staff): still audited. */
    public static Decision allowGatedRead(String reason) {
        return new Decision(true, Optional.empty(), reason, Optional.empty(), true);
    }

    public static Decision allowUnderAgreement(String agreement, String reason) {
        return new Decision(true, Optional.empty(), reason, Optional.of(agreement), true);
    }

    public static Decision denyUnderAgreement(Optional<String> agreement, String reason) {
        return new Decision(false, Optional.of(ErrorCode.FORBIDDEN), reason, agreement, false);
    }
}
