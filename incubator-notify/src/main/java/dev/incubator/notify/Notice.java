package dev.incubator.notify;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One notice, sent to one or more users: what happened ({@code kind}, with its facts in {@code params}), to what
 * ({@code subjectType}/{@code subjectId}, e.g. a repository or a job), and the audit event it comes from
 * ({@code source}: its position in the audit tree). {@code organisationId}, when present, is the organisation a
 * recipient must still belong to (or oversee) to read the notice: a steward who leaves it no longer reads its access
 * requests. Its words are rendered when read, in the reader's language ({@link NoticeText}).
 */
public record Notice(String id, NoticeKind kind, Optional<String> organisationId, String subjectType,
                     String subjectId, Map<String, String> params, Instant createdAt, long source) {
    public static final String ID_PREFIX = "ntc";

    public Notice {
        requireNonNull(id, "id is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(organisationId, "organisationId is null");
        requireNonNull(subjectType, "subjectType is null");
        requireNonNull(subjectId, "subjectId is null");
        requireNonNull(createdAt, "createdAt is null");
        params = Map.copyOf(params);
    }

    public String param(String name) {
        return params.getOrDefault(name, "");
    }
}
