package dev.incubator.toolkit.publish;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Where a published model came from, as the platform itself knows it (not as the job says): the job and attempt
 * that made it, who ran it, the template and its parameters, the code at its commit and content hash, every
 * repository it read at the exact commit, and what it consumed.
 *
 * @param datasets dataset name (datasets/ORG/NAME) to the commit the job read
 * @param models   model name (models/ORG/NAME) to the commit the job read (a fine-tune's base)
 */
public record Provenance(String jobId, int attempt, String organisation, String submittedBy, String publishedBy,
                         Optional<String> template, SortedMap<String, Object> params, Optional<String> code,
                         Optional<String> codeHash, SortedMap<String, String> datasets, SortedMap<String, String> models,
                         BigDecimal gpuHours, BigDecimal energyKwh, Optional<Instant> startedAt, Instant finishedAt,
                         SortedMap<String, Double> finalMetrics) {
    public Provenance {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(organisation, "organisation is null");
        requireNonNull(submittedBy, "submittedBy is null");
        requireNonNull(publishedBy, "publishedBy is null");
        requireNonNull(template, "template is null");
        params = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(params));
        requireNonNull(code, "code is null");
        requireNonNull(codeHash, "codeHash is null");
        datasets = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(datasets));
        models = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(models));
        requireNonNull(gpuHours, "gpuHours is null");
        requireNonNull(energyKwh, "energyKwh is null");
        requireNonNull(startedAt, "startedAt is null");
        requireNonNull(finishedAt, "finishedAt is null");
        finalMetrics = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(finalMetrics));
    }

    /** The facts as flat strings, for the audit event (which the Merkle log covers). */
    public Map<String, String> auditDetails(String repository, String commit) {
        SortedMap<String, String> details = new java.util.TreeMap<>();
        details.put("job", jobId);
        details.put("attempt", Integer.toString(attempt));
        details.put("repository", repository);
        details.put("commit", commit);
        template.ifPresent(name -> details.put("template", name));
        code.ifPresent(value -> details.put("code", value));
        codeHash.ifPresent(value -> details.put("code_sha256", value));
        datasets.forEach((name, commitId) -> details.put("read:" + name, commitId));
        models.forEach((name, commitId) -> details.put("read:" + name, commitId));
        details.put("gpu_hours", gpuHours.toPlainString());
        details.put("energy_kwh", energyKwh.toPlainString());
        return details;
    }

    /**
     * The content hash of a code tree: SHA-256 over its files' "path NUL sha256 LF" in path order, so the same files
     * give the same hash whatever commit or repository holds them.
     */
    public static String codeHash(SortedMap<String, String> sha256ByPath) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            sha256ByPath.forEach((path, sha) -> digest.update((path + "\0" + sha + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
