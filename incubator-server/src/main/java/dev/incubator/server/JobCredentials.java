package dev.incubator.server;

import dev.incubator.compute.ComputeService;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Read credentials for jobs: each attempt of a job gets {@code INCUBATOR_JOB_TOKEN}, an HMAC over its id and attempt
 * under a key kept in the data directory. It is valid only while that attempt runs, acts for the user who submitted
 * the job with read scope, and marks reads as made from inside a job (what compute-only agreements allow).
 */
public final class JobCredentials {
    public static final String PREFIX = "incjob_";

    private final byte[] key;
    private final ComputeService compute;

    private JobCredentials(byte[] key, ComputeService compute) {
        this.key = key;
        this.compute = compute;
    }

    public static JobCredentials loadOrCreate(Path file, ComputeService compute) throws IOException {
        String stored = dev.incubator.common.io.SecretFiles.readOrCreate(file, () -> {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            return Base64.getEncoder().encodeToString(fresh) + "\n";
        });
        return new JobCredentials(Base64.getDecoder().decode(stored.strip()), compute);
    }

    public String mint(Job job) {
        return PREFIX + job.id() + "." + job.attempt() + "." + mac(job.id(), job.attempt());
    }

    /** The job a credential belongs to, if it is genuine and that attempt is being launched or running now. */
    public Optional<Job> verify(String token) {
        if (!token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = token.substring(PREFIX.length()).split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        int attempt;
        try {
            attempt = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac(parts[0], attempt).getBytes(StandardCharsets.US_ASCII),
                parts[2].getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        // ADMITTED too: the process starts before its start is recorded, and may call the API at once.
        return compute.find(parts[0]).filter(job -> job.attempt() == attempt && (job.state() == JobState.RUNNING
                || job.state() == JobState.ADMITTED));
    }

    private String mac(String jobId, int attempt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal((jobId + "|" + attempt)
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
