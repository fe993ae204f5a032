package dev.incubator.server.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.access.AccessDenied;
import dev.incubator.common.access.Resource;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.audit.AuditEvent.Outcome;
import dev.incubator.tenancy.Authenticator;
import dev.incubator.tenancy.Principal;
import dev.incubator.tenancy.port.IdempotencyRepository.StoredResponse;
import dev.incubator.tenancy.port.TenancyStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the declared {@link ApiRoute}s into a Javalin application: authentication, idempotency, ETags, RFC 9457
 * problems for every failure, request ids, metrics, access log and the audit of failed changes and denials.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("incubator.access");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String STARTED = "incubator.started";

    private final List<ApiRoute> routes;
    private final Authenticator authenticator;
    private final TenancyStore store;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final int maxBodyBytes;
    private final boolean accessLog;
    private final List<String> registeredEndpoints = new ArrayList<>();
    private Call.JobTokens jobTokens = secret -> Optional.empty();

    public HttpApi(List<ApiRoute> routes, Authenticator authenticator, TenancyStore store, ObjectMapper json,
                   MeterRegistry metrics, Clock clock, int maxBodyBytes, boolean accessLog) {
        this.routes = List.copyOf(routes);
        this.authenticator = requireNonNull(authenticator, "authenticator is null");
        this.store = requireNonNull(store, "store is null");
        this.json = requireNonNull(json, "json is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.maxBodyBytes = maxBodyBytes;
        this.accessLog = accessLog;
    }

    /** How job read credentials ({@code incjob_...}) are resolved. */
    public HttpApi jobTokens(Call.JobTokens tokens) {
        this.jobTokens = requireNonNull(tokens, "tokens is null");
        return this;
    }

    public Javalin create() {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = true;
            config.http.maxRequestSize = maxBodyBytes;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JettyProblems()));
            config.http.prefer405over404 = true;
            config.router.ignoreTrailingSlashes = true;
            config.jsonMapper(new JavalinJackson(json, false));
            config.events(events -> events.handlerAdded(meta -> {
                if (meta.getHttpMethod().isHttpMethod()) {
                    registeredEndpoints.add(meta.getHttpMethod().name() + " " + meta.getPath());
                }
            }));
        });
        app.before(this::beforeEach);
        for (ApiRoute route : routes) {
            app.addHttpHandler(route.method(), route.path(), context -> execute(route, context));
        }
        app.exception(IncubatorException.class, (e, context) -> problem(context, e));
        app.exception(HttpResponseException.class, (e, context) -> problem(context, fromJavalin(e, context)));
        app.exception(Exception.class, (e, context) -> {
            LOG.error("request {} {} failed [{}]", context.method(), context.path(), requestId(context), e);
            try {
                problem(context, new IncubatorException(ErrorCode.INTERNAL, "the server failed to handle the request; "
                        + "quote request id " + requestId(context) + " when reporting it"));
            } catch (RuntimeException nested) {
                LOG.error("could not even report the failure of {}", requestId(context), nested);
                context.status(500).contentType(Problems.CONTENT_TYPE).result(
                        "{\"type\":\"/problems/internal\",\"title\":\"Internal error\",\"status\":500,\"code\":\"internal\"}");
            }
        });
        app.error(404, context -> {
            if (!isProblem(context)) {
                problem(context, new IncubatorException(ErrorCode.ROUTE_NOT_FOUND, "no route " + context.method()
                        + " " + context.path() + "; the API is described at /api/v1/openapi.json"));
            }
        });
        app.error(405, context -> {
            if (!isProblem(context)) {
                problem(context, new IncubatorException(ErrorCode.METHOD_NOT_ALLOWED, context.method()
                        + " is not allowed on " + context.path() + "; see /api/v1/openapi.json"));
            }
        });
        app.after(this::afterEach);
        return app;
    }

    /** Every "METHOD /path" registered with Javalin, for the OpenAPI completeness test. */
    public List<String> registeredEndpoints() {
        return List.copyOf(registeredEndpoints);
    }

    private RateWindows perToken = RateWindows.NONE;
    private RateWindows perOrganisation = RateWindows.NONE;

    /**
     * At most {@code perTokenPerMinute} requests per token (or per client address without one) a minute, and at
     * most {@code perOrganisationPerMinute} by the members and jobs of one organisation together; 0 for none.
     */
    public HttpApi rateLimits(int perTokenPerMinute, int perOrganisationPerMinute) {
        this.perToken = new RateWindows(perTokenPerMinute, clock);
        this.perOrganisation = new RateWindows(perOrganisationPerMinute, clock);
        return this;
    }

    /**
     * Counts the request in its caller's one-minute window and in each of its organisations'; over a limit, 429
     * with Retry-After (the seconds to the next window).
     */
    private void admit(Call call, ApiRoute route, Context context) {
        String caller = route.authenticated() ? "token:" + call.principal().token().id().value()
                : "address:" + context.ip();
        long retry = perToken.count(caller);
        if (retry > 0) {
            refuse(context, retry, "more than " + perToken.perMinute() + " requests this minute from this "
                    + (route.authenticated() ? "token" : "address") + "; retry in " + retry
                    + " s (server.rate-limit-per-minute)");
        }
        if (route.authenticated()) {
            for (var organisation : call.principal().memberships().keySet()) {
                retry = perOrganisation.count(organisation.value());
                if (retry > 0) {
                    refuse(context, retry, "the members and jobs of organisation " + organisation.value() + " made"
                            + " more than " + perOrganisation.perMinute() + " requests this minute together; retry in "
                            + retry + " s (server.rate-limit-per-organisation-per-minute)");
                }
            }
        }
    }

    private void refuse(Context context, long retry, String message) {
        context.header("Retry-After", Long.toString(retry));
        metrics.counter("incubator.http.rate_limited").increment();
        throw new IncubatorException(ErrorCode.RATE_LIMITED, message);
    }

    /** Set on a request that came from a configured reverse proxy, whose forwarded headers are believed. */
    public static final String TRUSTED_PROXY = "incubator.trusted-proxy";
    private java.util.Set<String> trustedProxies = java.util.Set.of();

    /** Reverse proxies whose X-Forwarded-Host and X-Forwarded-Proto are believed. */
    public HttpApi trustedProxies(java.util.Collection<String> addresses) {
        this.trustedProxies = java.util.Set.copyOf(addresses);
        return this;
    }

    private void beforeEach(Context context) {
        context.attribute(STARTED, System.nanoTime());
        if (trustedProxies.contains(context.req().getRemoteAddr())) {
            context.attribute(TRUSTED_PROXY, true);
        }
        String requestId = Optional.ofNullable(context.header("X-Request-Id"))
                .filter(id -> REQUEST_ID.matcher(id).matches())
                .orElseGet(() -> "req_" + HexFormat.of().toHexDigits(RANDOM.nextLong()));
        context.attribute(Call.REQUEST_ID, requestId);
        context.header("X-Request-Id", requestId);
    }

    private void afterEach(Context context) {
        Long started = context.attribute(STARTED);
        if (started == null) {
            return;
        }
        long nanos = System.nanoTime() - started;
        String route;
        try {
            route = context.endpointHandlerPath();
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        if (route == null || route.isEmpty() || route.equals("*")) {
            route = "unmatched";
        }
        Timer.builder("http.server.requests")
                .description("HTTP requests by method, route template and status")
                .tag("method", context.method().name())
                .tag("route", route)
                .tag("status", Integer.toString(context.statusCode()))
                .publishPercentileHistogram()
                .register(metrics)
                .record(nanos, TimeUnit.NANOSECONDS);
        if (accessLog) {
            Principal principal = context.attribute(Call.PRINCIPAL);
            ACCESS.info("{} {} {} {}ms {} {} {}", context.method(), context.path(), context.statusCode(),
                    nanos / 1_000_000, principal == null ? "-" : principal.actor(), context.ip(),
                    context.attribute(Call.REQUEST_ID));
        }
    }

    /**
     * Calls an operation in process for a signed-in principal (the console): the route's own handler, with the same
     * rate limits, validation, policy decisions and audit of failures as over HTTP; returns its view (or null).
     * {@code body} is serialised to JSON and read back through the route's body rules.
     */
    public Object invoke(String operationId, Context context, Principal principal, Map<String, String> path,
                         Map<String, String> query, Object body) {
        ApiRoute route = routes.stream().filter(candidate -> candidate.operationId().equals(operationId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no operation " + operationId));
        byte[] bytes;
        try {
            bytes = body == null ? new byte[0] : json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body of " + operationId + " is not serialisable", e);
        }
        Call call = Call.inProcess(context, authenticator, json, maxBodyBytes, principal, path, query, bytes);
        context.attribute(Call.PRINCIPAL, principal);
        try {
            admit(call, route, context);
            return route.handler().handle(call);
        } catch (IncubatorException e) {
            auditFailure(context, e, Problems.status(e.code()));
            throw e;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(operationId + " failed", e);
        }
    }

    /** Converts a view to the plain maps and lists of its JSON form (as the API would send it). */
    public Object plain(Object view) {
        return view == null ? null : json.convertValue(view, Object.class);
    }

    /** Set once a request's error has been answered (also by the console's pages), so status handlers leave it. */
    public static final String PROBLEM_SENT = "incubator.problem-sent";

    private void execute(ApiRoute route, Context context) throws Exception {
        if (route.tag().equals(HfErrors.TAG)) {
            context.attribute(HfErrors.TAG, true);
        } else if (route.tag().equals(OpenAiErrors.TAG)) {
            context.attribute(OpenAiErrors.TAG, true);
        }
        Call call = new Call(context, authenticator, json, maxBodyBytes, jobTokens);
        if (route.authenticated()) {
            call.principal();
        }
        admit(call, route, context);
        Optional<String> idempotencyKey = Optional.ofNullable(context.header("Idempotency-Key"));
        if (route.idempotent() && idempotencyKey.isPresent()) {
            executeIdempotently(route, call, idempotencyKey.get());
            return;
        }
        respond(context, route, route.handler().handle(call));
    }

    /**
     * Runs a create at most once per key: the resource and the stored response commit in one transaction, and
     * a retry with the same key and body gets the stored response back.
     */
    private void executeIdempotently(ApiRoute route, Call call, String key) {
        if (!Call.isValidIdempotencyKey(key)) {
            throw IncubatorException.validation("Idempotency-Key", "must be 1-255 printable ASCII characters, e.g. a UUID");
        }
        String principal = call.principal().actor();
        String fingerprint = Call.fingerprint(route.method().name(), call.context().path(), call.rawBody());
        StoredResponse response = store.write(repositories -> {
            Optional<StoredResponse> stored = repositories.idempotency().find(principal, key);
            if (stored.isPresent()) {
                if (!stored.get().requestFingerprint().equals(fingerprint)) {
                    throw new IncubatorException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "idempotency key '" + key
                            + "' was used for a different request; use a new key for a new request");
                }
                call.context().header("Idempotent-Replayed", "true");
                return stored.get();
            }
            Object result;
            try {
                result = route.handler().handle(call);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            StoredResponse fresh = new StoredResponse(principal, key, fingerprint, route.successStatus(),
                    serialise(result), clock.instant());
            repositories.idempotency().save(fresh);
            return fresh;
        });
        call.context().status(response.status()).contentType("application/json")
                .result(response.body().getBytes(StandardCharsets.UTF_8));
    }

    private void respond(Context context, ApiRoute route, Object result) {
        if (result == null) {
            context.status(204);
            return;
        }
        if (result instanceof Streamed streamed) {
            try {
                streamed.write(context);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return;
        }
        if (result instanceof Raw raw) {
            context.status(raw.status()).contentType(raw.contentType()).result(raw.body());
            return;
        }
        if (result instanceof Versioned versioned) {
            context.header("ETag", "\"" + versioned.version() + "\"");
        }
        context.status(route.successStatus()).contentType("application/json").result(serialise(result));
    }

    private String serialise(Object result) {
        try {
            return json.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response is not serialisable", e);
        }
    }

    private void problem(Context context, IncubatorException e) {
        String requestId = requestId(context);
        Problems.Problem problem = Problems.of(e.code(), e.getMessage(), context.path(), requestId, e.fieldErrors());
        context.attribute(PROBLEM_SENT, true);
        if (OpenAiErrors.applies(context)) {
            context.status(problem.status()).contentType("application/json").result(OpenAiErrors.render(context,
                    json, problem, e));
        } else if (HfErrors.applies(context)) {
            context.status(problem.status()).contentType("application/json").result(HfErrors.render(context, json,
                    problem, e));
        } else {
            context.status(problem.status()).contentType(Problems.CONTENT_TYPE).result(serialise(problem));
        }
        if (problem.status() == 401) {
            context.header("WWW-Authenticate", "Bearer realm=\"incubator\"");
        }
        auditFailure(context, e, problem.status());
    }

    /**
     * Failed changes and every denial are audited, outside the failed transaction. A denial by the access-policy
     * engine is recorded as {@code access.deny} with the action, the resource and the reason, also when it answers
     * 404 so as not to reveal that the resource exists.
     */
    private void auditFailure(Context context, IncubatorException e, int status) {
        boolean denied = status == 401 || status == 403 || e instanceof AccessDenied;
        boolean mutating = context.method() != HandlerType.GET && context.method() != HandlerType.HEAD
                && context.method() != HandlerType.OPTIONS;
        if (!denied && !mutating) {
            return;
        }
        if (e.code() == ErrorCode.ROUTE_NOT_FOUND || e.code() == ErrorCode.METHOD_NOT_ALLOWED) {
            return;
        }
        Principal principal = context.attribute(Call.PRINCIPAL);
        if (principal == null) {
            sampleAnonymous(context, e, status);
            return;
        }
        String actor = principal.actor();
        String requestId = requestId(context);
        Map<String, String> details = new java.util.HashMap<>(Map.of("code", e.code().code(),
                "status", Integer.toString(status), "detail", truncate(e.getMessage()),
                "route", context.method().name() + " " + context.path()));
        AuditEvent event;
        if (e instanceof AccessDenied deny) {
            details.put("action", deny.action().wire());
            deny.decision().agreement().ifPresent(agreement -> details.put("agreement", agreement));
            Optional<String> organisation = switch (deny.resource()) {
                case Resource.Organisation org -> Optional.of(org.id());
                case Resource.Job job -> Optional.of(job.organisationId());
                case Resource.Deployment deployment -> Optional.of(deployment.organisationId());
                case Resource.Repository repo -> repo.ownedByOrganisation() ? Optional.of(repo.ownerId())
                        : Optional.empty();
                default -> Optional.empty();
            };
            if (deny.resource() instanceof Resource.Repository repo) {
                details.put("repository", repo.name());
            }
            event = new AuditEvent(0, clock.instant(), actor, "access.deny", deny.resource().type(),
                    deny.resource().id(), organisation, requestId, Outcome.DENIED, context.ip(), details);
        } else {
            String path = context.path();
            String method = "http." + context.method().name().toLowerCase(java.util.Locale.ROOT);
            Outcome outcome = denied ? Outcome.DENIED : Outcome.FAILED;
            // A failed call on an organisation's route is the organisation's to see in its audit log, if the caller
            // may see that organisation at all.
            String orgName = context.pathParamMap().get("org");
            try {
                store.write(repositories -> repositories.audit().append(new AuditEvent(0, clock.instant(), actor,
                        method, "route", path, Optional.ofNullable(orgName).flatMap(name -> repositories
                                .organisations().findByName(name)).filter(org -> principal.roleIn(org.id())
                                .isPresent() || !principal.user().platformRoles().isEmpty())
                                .map(org -> org.id().value()), requestId, outcome, context.ip(), details)));
            } catch (RuntimeException auditFailure) {
                LOG.error("could not audit failed request {}", requestId, auditFailure);
            }
            return;
        }
        try {
            store.write(repositories -> repositories.audit().append(event));
        } catch (RuntimeException auditFailure) {
            LOG.error("could not audit failed request {}", requestId, auditFailure);
        }
    }

    /** How often at most failures of callers without a valid token are summarised in the audit log. */
    private static final java.time.Duration ANONYMOUS_SUMMARY_EVERY = java.time.Duration.ofMinutes(1);
    private final java.util.concurrent.atomic.AtomicLong anonymousSinceSummary = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<java.time.Instant> lastAnonymousSummary =
            new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.EPOCH);

    /**
     * Failures of callers without a valid token are counted (metric {@code incubator.http.unauthenticated.failures})
     * and summarised at most once a minute as one {@code http.unauthenticated} event with the count and the latest
     * route, so that a flood of anonymous requests can not grow the audit log without bound.
     */
    private void sampleAnonymous(Context context, IncubatorException e, int status) {
        metrics.counter("incubator.http.unauthenticated.failures", "status", Integer.toString(status)).increment();
        anonymousSinceSummary.incrementAndGet();
        java.time.Instant now = clock.instant();
        java.time.Instant last = lastAnonymousSummary.get();
        if (now.isBefore(last.plus(ANONYMOUS_SUMMARY_EVERY)) || !lastAnonymousSummary.compareAndSet(last, now)) {
            return;
        }
        long count = anonymousSinceSummary.getAndSet(0);
        Map<String, String> details = Map.of("count", Long.toString(count), "latest_route", truncate(
                context.method().name() + " " + context.path()), "latest_code", e.code().code(), "latest_status",
                Integer.toString(status));
        AuditEvent event = new AuditEvent(0, now, "anonymous", "http.unauthenticated", "route", "summary",
                Optional.empty(), requestId(context), Outcome.DENIED, context.ip(), details);
        try {
            store.write(repositories -> repositories.audit().append(event));
        } catch (RuntimeException auditFailure) {
            LOG.error("could not audit the summary of unauthenticated failures", auditFailure);
        }
    }

    private static IncubatorException fromJavalin(HttpResponseException e, Context context) {
        if (e.getStatus() == 404) {
            return new IncubatorException(ErrorCode.ROUTE_NOT_FOUND, "no route " + context.method() + " "
                    + context.path() + "; the API is described at /api/v1/openapi.json");
        }
        if (e.getStatus() == 405) {
            return new IncubatorException(ErrorCode.METHOD_NOT_ALLOWED, context.method() + " is not allowed on "
                    + context.path() + "; the API is described at /api/v1/openapi.json");
        }
        ErrorCode code = switch (e.getStatus()) {
            case 400 -> ErrorCode.MALFORMED_REQUEST;
            case 404 -> ErrorCode.ROUTE_NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case 503 -> ErrorCode.UNAVAILABLE;
            default -> e.getStatus() >= 500 ? ErrorCode.INTERNAL : ErrorCode.MALFORMED_REQUEST;
        };
        return new IncubatorException(code, e.getMessage() == null || e.getMessage().isBlank() ? code.title() : e.getMessage());
    }

    private static boolean isProblem(Context context) {
        String type = context.res().getContentType();
        return Boolean.TRUE.equals(context.attribute(PROBLEM_SENT)) || type != null
                && type.startsWith(Problems.CONTENT_TYPE);
    }

    static String requestId(Context context) {
        return java.util.Objects.toString(context.<String>attribute(Call.REQUEST_ID), "-");
    }

    private static String truncate(String message) {
        return message == null ? "" : message.length() <= 300 ? message : message.substring(0, 300);
    }
}
