package dev.incubator.hub.chunk;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Whom the chunks an upload adds are charged to ({@code account}, see
 * {@link dev.incubator.hub.port.StorageAccounts}), how to name that owner in a refusal, the quota that applies
 * unless an operator set one for the account ({@link #UNLIMITED}: none), and whether the quota may refuse the upload
 * (not when content already stored moves between domains).
 */
public record Charge(Optional<String> account, String owner, long defaultQuotaBytes, boolean enforced) {
    public static final long UNLIMITED = Long.MAX_VALUE;

    public Charge {
        requireNonNull(account, "account is null");
        requireNonNull(owner, "owner is null");
    }

    /** Charged to no one and never refused: content the platform itself writes. */
    public static Charge platform() {
        return new Charge(Optional.empty(), "the platform", UNLIMITED, false);
    }

    public static Charge to(String account, String owner, long defaultQuotaBytes) {
        return new Charge(Optional.of(account), owner, defaultQuotaBytes, true);
    }

    /** The same account, counted but not held to a quota (moving content that is already stored). */
    public Charge countedOnly() {
        return new Charge(account, owner, defaultQuotaBytes, false);
    }
}
