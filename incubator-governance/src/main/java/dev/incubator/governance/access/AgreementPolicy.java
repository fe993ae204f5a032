package dev.incubator.governance.access;

import java.time.LocalDate;
import java.util.Optional;

/**
 * Whether an agreement lets its holder read a gated repository now, through a channel, for a purpose. Pure. Every
 * denial names the agreement (when there is one) and why, so the 403 tells the reader what to do.
 */
public final class AgreementPolicy {
    /** How data is being read. */
    public enum Channel { DOWNLOAD, JOB }

    public record Decision(boolean allowed, Optional<String> agreementId, String reason) {
    }

    public Decision decide(Optional<Agreement> agreement, Channel channel, Optional<Purpose> declared, LocalDate today,
                           String repository) {
        if (agreement.isEmpty()) {
            return new Decision(false, Optional.empty(), "repository '" + repository + "' is gated: request access "
                    + "with a purpose ('incubator access request " + repository + " --purpose ...')");
        }
        Agreement a = agreement.get();
        Optional<String> id = Optional.of(a.id());
        return switch (a.state()) {
            case PENDING -> new Decision(false, id, "access request " + a.id() + " to '" + repository
                    + "' is still pending with the owner");
            case DENIED -> new Decision(false, id, "access request " + a.id() + " to '" + repository + "' was denied"
                    + a.reason().map(reason -> ": " + reason).orElse(""));
            case REVOKED -> new Decision(false, id, "agreement " + a.id() + " for '" + repository + "' was revoked"
                    + a.decidedAt().map(at -> " on " + at.toString().substring(0, 10)).orElse("")
                    + a.reason().map(reason -> ": " + reason).orElse(""));
            case APPROVED -> approved(a, channel, declared.orElse(a.purpose()), today, repository);
        };
    }

    private static Decision approved(Agreement a, Channel channel, Purpose purpose, LocalDate today, String repository) {
        Optional<String> id = Optional.of(a.id());
        if (a.expiresOn().isPresent() && today.isAfter(a.expiresOn().get())) {
            return new Decision(false, id, "agreement " + a.id() + " for '" + repository + "' expired on "
                    + a.expiresOn().get() + "; request access again");
        }
        if (!a.allowedPurposes().contains(purpose)) {
            return new Decision(false, id, "agreement " + a.id() + " for '" + repository + "' allows "
                    + String.join(", ", a.allowedPurposes().stream().map(Purpose::wire).sorted().toList())
                    + ", not " + purpose.wire());
        }
        if (a.mode() == Agreement.Mode.COMPUTE_ONLY && channel == Channel.DOWNLOAD) {
            return new Decision(false, id, "agreement " + a.id() + " for '" + repository + "' is compute-only: the"
                    + " data may be read only inside jobs on the platform, never downloaded");
        }
        return new Decision(true, id, "agreement " + a.id() + " (" + purpose.wire() + ", "
                + a.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")");
    }
}
