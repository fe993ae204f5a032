package dev.incubator.notify;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a notice is about; {@link #wire()} is its name in the API, the CLI and webhook payloads. */
public enum NoticeKind {
    /** Someone asks for access to gated data: its stewards decide. */
    ACCESS_REQUEST("access.request"),
    /** A steward approved, denied or revoked one's access request. */
    ACCESS_DECISION("access.decision"),
    /** A grant crossed a usage threshold (50, 80 and 100 % of its GPU-hours). */
    GRANT_THRESHOLD("grant.threshold"),
    /** One's job failed or ran out of time. */
    JOB_FAILED("job.failed");

    private final String wire;

    NoticeKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<NoticeKind> parse(String text) {
        return Arrays.stream(values()).filter(kind -> kind.wire.equals(text.toLowerCase(Locale.ROOT))).findFirst();
    }

    public static String choices() {
        return String.join(", ", Arrays.stream(values()).map(NoticeKind::wire).toList());
    }
}
