package dev.incubator.server.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.server.api.BodySpec.Body;
import dev.incubator.tenancy.Authenticator;
import dev.incubator.tenancy.Caller;
import dev.incubator.tenancy.Principal;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;

/** One API call as handlers see it: the authenticated caller, parameters and the validated body. */
public final class Call {
    public static final String REQUEST_ID = "incubator.request-id";
    public static final String PRINCIPAL = "incubator.principal";
    /** Set when the caller is a job on the platform (its read credential): the job's id. */
    public static final String VIA_JOB = "incubator.via-job";
    /** Set with {@link #VIA_JOB}: the id of the job's organisation, the only one the job acts for. */
    public static final String VIA_JOB_ORG = "incubator.via-job-org";

    /** A job read credential resolved: the job, its organisation (by id) and its submitter's principal. */
    public record JobCaller(String jobId, String orgId, Principal principal) {
    }

    /** Resolves job read credentials to the job and the principal of its user. */
    public interface JobTokens {
        Optional<JobCaller> resolve(String secret);
    }
    /** The prefix Hugging Face clients require of tokens; {@code hf_} + an Incubator token is accepted. */
    public static final String HF_PREFIX = "hf_";

    private final Context context;
    private final Authenticator authenticator;
    private final ObjectMapper json;
    private final int maxBodyBytes;
    private byte[] rawBody;
    private Principal principal;

    private final JobTokens jobTokens;
    /** Set for an in-process call (the console): its parameters, which the request's own do not replace. */
    private java.util.Map<String, String> pathParams;
    private java.util.Map<String, String> queryParams;

    Call(Context context, Authenticator authenticator, ObjectMapper json, int maxBodyBytes) {
        this(context, authenticator, json, maxBodyBytes, secret -> Optional.empty());
    }

    Call(Context context, Authenticator authenticator, ObjectMapper json, int maxBodyBytes, JobTokens jobTokens) {
        this.jobTokens = jobTokens;
        this.context = requireNonNull(context, "context is null");
        this.authenticator = requireNonNull(authenticator, "authenticator is null");
        this.json = requireNonNull(json, "json is null");
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * A call made in process on behalf of a signed-in principal (the console's pages), through the same handler as
     * over HTTP: the parameters and JSON body are given here, never taken from the browser's request.
     */
    static Call inProcess(Context context, Authenticator authenticator, ObjectMapper json, int maxBodyBytes,
                          Principal principal, java.util.Map<String, String> path, java.util.Map<String, String> query,
                          byte[] body) {
        Call call = new Call(context, authenticator, json, maxBodyBytes);
        call.principal = requireNonNull(principal, "principal is null");
        call.pathParams = java.util.Map.copyOf(path);
        call.queryParams = java.util.Map.copyOf(query);
        call.rawBody = body == null ? new byte[0] : body;
        return call;
    }

    private boolean inProcess() {
        return pathParams != null;
    }

    public Context context() {
        return context;
    }

    public RequestMeta requestMeta() {
        return new RequestMeta(java.util.Objects.toString(context.<String>attribute(REQUEST_ID), "-"), context.ip());
    }

    /** The authenticated principal; fails with 401 when the request carries no valid bearer token. */
    public Principal principal() {
        if (principal == null) {
            String header = context.header("Authorization");
            if (header == null || header.isBlank()) {
                throw new IncubatorException(ErrorCode.UNAUTHENTICATED,
                        "send an API token as 'Authorization: Bearer <token>'; the operator's first token is in "
                                + "<data-dir>/bootstrap-token");
            }
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new IncubatorException(ErrorCode.UNAUTHENTICATED,
                        "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'");
            }
            String secret = header.substring(7).trim();
            // Hugging Face clients insist that tokens start with "hf_": they may send ours as "hf_inc_...".
            if (secret.startsWith(HF_PREFIX + dev.incubator.tenancy.TokenSecrets.PREFIX)) {
                secret = secret.substring(HF_PREFIX.length());
            }
            if (secret.startsWith("incjob_")) {
                var job = jobTokens.resolve(secret).orElseThrow(() -> new IncubatorException(ErrorCode.TOKEN_INVALID,
                        "the job credential is not valid, or its job attempt is no longer running"));
                context.attribute(VIA_JOB, job.jobId());
                context.attribute(VIA_JOB_ORG, job.orgId());
                principal = job.principal();
            } else {
                principal = authenticator.authenticate(secret);
            }
            context.attribute(PRINCIPAL, principal);
        }
        return principal;
    }

    /** The principal when the request carries a token (which must then be valid); empty when it carries none. */
    public Optional<Principal> optionalPrincipal() {
        if (inProcess()) {
            return Optional.of(principal);
        }
        String header = context.header("Authorization");
        return header == null || header.isBlank() ? Optional.empty() : Optional.of(principal());
    }

    public Caller caller() {
        return new Caller(principal(), requestMeta());
    }

    /** The body's media type, lower case ("" when none); an in-process call's body is JSON. */
    public String contentType() {
        return inProcess() ? "application/json"
                : Optional.ofNullable(context.contentType()).orElse("").toLowerCase(Locale.ROOT);
    }

    /** A request header; an in-process call carries none of the browser's. */
    public Optional<String> header(String name) {
        return inProcess() ? Optional.empty() : Optional.ofNullable(context.header(name));
    }

    public String path(String name) {
        if (inProcess()) {
            String value = pathParams.get(name);
            if (value == null) {
                throw new IllegalArgumentException("in-process call without path parameter '" + name + "'");
            }
            return value;
        }
        return context.pathParam(name);
    }

    public Optional<String> query(String name) {
        return Optional.ofNullable(inProcess() ? queryParams.get(name) : context.queryParam(name))
                .filter(value -> !value.isEmpty());
    }

    /** A query parameter that is a day (its start, UTC), e.g. 2026-11-01, or an instant, e.g. 2026-11-01T08:00:00Z. */
    public Optional<java.time.Instant> queryTime(String name) {
        return query(name).map(text -> {
            try {
                return text.length() == 10 ? java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC)
                        .toInstant() : java.time.Instant.parse(text);
            } catch (java.time.format.DateTimeParseException e) {
                throw IncubatorException.validation(name, "must be a day such as 2026-11-01 or a time such as"
                        + " 2026-11-01T08:00:00Z, not '" + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
                        + "'");
            }
        });
    }

    public PageRequest page() {
        return PageRequest.parse(query("limit").orElse(null), query("cursor").orElse(null));
    }

    /**
     * The expected version from {@code If-Match} ({@code "3"}, {@code W/"3"} or {@code 3}); empty when absent
     * or {@code *}.
     */
    public Optional<Long> ifMatch() {
        String header = inProcess() ? null : context.header("If-Match");
        if (header == null || header.isBlank() || header.trim().equals("*")) {
            return Optional.empty();
        }
        String value = header.trim();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        value = value.replace("\"", "");
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw IncubatorException.validation("If-Match",
                    "must be the ETag of the resource as last fetched, e.g. \"3\", not '" + header + "'");
        }
    }

    /** The request body as bytes, at most the configured limit. */
    public byte[] rawBody() {
        if (rawBody == null) {
            long declared = context.contentLength();
            if (declared > maxBodyBytes) {
                throw tooLarge();
            }
            try (InputStream in = context.req().getInputStream()) {
                byte[] bytes = in.readNBytes(maxBodyBytes + 1);
                if (bytes.length > maxBodyBytes) {
                    throw tooLarge();
                }
                rawBody = bytes;
            } catch (IOException e) {
                throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the request body could not be read", e);
            }
        }
        return rawBody;
    }

    /** Parses the JSON body and validates it against {@code spec}, reporting every invalid field at once. */
    public Body body(BodySpec spec) {
        String contentType = contentType();
        if (!contentType.startsWith("application/json")) {
            throw new IncubatorException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "send the body as JSON with 'Content-Type: application/json'"
                            + (contentType.isEmpty() ? "" : ", not '" + contentType + "'"));
        }
        byte[] bytes = rawBody();
        if (bytes.length == 0) {
            throw IncubatorException.validation("(body)", "is empty; send a JSON object with the fields: "
                    + String.join(", ", spec.fields().stream().map(BodySpec.Field::name).toList()));
        }
        JsonNode node;
        try {
            node = json.readTree(bytes);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the body is not valid JSON" + where + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        } catch (IOException e) {
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the body could not be read as JSON", e);
        }
        return spec.read(node);
    }

    private IncubatorException tooLarge() {
        return new IncubatorException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body exceeds " + maxBodyBytes
                + " bytes (server.max-body-bytes)");
    }

    static String fingerprint(String method, String path, byte[] body) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            digest.update((method + " " + path + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(body);
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isValidIdempotencyKey(String key) {
        return !key.isEmpty() && key.length() <= 255 && key.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }
}
