package dev.incubator.server.console;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheFactory;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobQuery;
import dev.incubator.compute.JobState;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.server.api.Problems;
import dev.incubator.server.api.Views;
import dev.incubator.tenancy.Authenticator;
import dev.incubator.tenancy.Caller;
import dev.incubator.tenancy.GrantService;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.Principal;
import dev.incubator.tenancy.TenancyService;
import dev.incubator.tenancy.TokenSecrets;
import dev.incubator.tenancy.session.Session;
import dev.incubator.tenancy.session.SessionStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: server-rendered pages (Mustache templates, live parts as server-sent events that one small script
 * follows, no build step) over the same services and the same policy engine as the API, in Simplified Chinese and
 * English. A browser signs in with an API token into a session cookie (HttpOnly, SameSite=Strict, Secure behind TLS); every form carries the session's CSRF
 * token; a page the caller may not see answers 404, as the API does.
 */
public final class Console {
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);
    static final String SESSION_COOKIE = "incubator_session";
    static final String LANGUAGE_COOKIE = "incubator_lang";
    static final String SIGN_IN_COOKIE = "incubator_sign_in";
    private static final String PREFIX = "/console";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final int MAX_LOG = 256 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SessionStore sessions;
    private final Authenticator authenticator;
    private final TenancyService tenancy;
    private final GrantService grants;
    private final ComputeService compute;
    private final BiFunction<Job, String, Path> logs;
    private final Clock clock;
    private final boolean secureCookies;
    private final HubPages hub;
    private final ToolkitPages toolkit;
    private final OperatorPages operator;
    private final ReviewPages review;
    private final ServingPages serving;
    private final EvalPages eval;
    private final ConsoleApi api;
    private final LiveEvents live = new LiveEvents();
    private final MustacheFactory templates = new DefaultMustacheFactory("dev/incubator/server/console/templates");

    /** {@code logs}: a job's output file by stream (stdout, stderr); {@code secureCookies}: served over TLS. */
    public Console(SessionStore sessions, Authenticator authenticator, TenancyService tenancy, GrantService grants,
                   ComputeService compute, BiFunction<Job, String, Path> logs, Clock clock, boolean secureCookies,
                   dev.incubator.hub.HubService hub, dev.incubator.server.api.AccessRoutes access,
                   dev.incubator.governance.access.AgreementService agreements,
                   dev.incubator.server.api.HttpApi api) {
        this.api = new ConsoleApi(api);
        this.hub = new HubPages(hub, access, agreements, this.api);
        this.toolkit = new ToolkitPages(this.api);
        this.operator = new OperatorPages(this.api, tenancy, compute, clock);
        this.review = new ReviewPages(this.api);
        this.serving = new ServingPages(this.api);
        this.eval = new EvalPages(this.api);
        this.sessions = sessions;
        this.authenticator = authenticator;
        this.tenancy = tenancy;
        this.grants = grants;
        this.compute = compute;
        this.logs = logs;
        this.clock = clock;
        this.secureCookies = secureCookies;
    }

    public void register(Javalin app) {
        app.get("/", ctx -> ctx.redirect(PREFIX));
        app.get(PREFIX + "/static/console.css", ctx -> asset(ctx, "dev/incubator/server/console/static/console.css",
                "text/css; charset=utf-8"));
        app.get(PREFIX + "/language", this::language);
        app.get(PREFIX + "/sign-in", this::signInPage);
        app.post(PREFIX + "/sign-in", this::signIn);
        app.post(PREFIX + "/sign-out", ctx -> form(ctx, (view, session) -> {
            sessions.write(r -> r.revoke(session.id(), clock.instant()));
            LOG.info("console session {} of {} signed out", session.id(), session.userName());
            clearCookie(ctx, SESSION_COOKIE);
            return PREFIX + "/sign-in";
        }));
        app.get(PREFIX, ctx -> page(ctx, "home", this::home));
        app.get(PREFIX + "/jobs", ctx -> page(ctx, "jobs", this::jobs));
        app.get(PREFIX + "/orgs/{org}/jobs/{job}", ctx -> page(ctx, "job", this::job));
        app.get(PREFIX + "/events", ctx -> stream(ctx, view -> fragments(view, this::home, Map.of("home",
                "home-orgs"), model -> false)));
        app.get(PREFIX + "/jobs/events", ctx -> stream(ctx, view -> fragments(view, this::jobs, Map.of("queue",
                "jobs-table"), model -> false)));
        app.get(PREFIX + "/orgs/{org}/jobs/{job}/events", ctx -> stream(ctx, view -> fragments(view, this::job,
                Map.of("facts", "job-facts", "metrics", "metrics"), model -> !Boolean.TRUE.equals(model.get("live")))));
        app.get(PREFIX + "/orgs/{org}/jobs/{job}/log/events", ctx -> stream(ctx, this::logEvents));
        app.get(PREFIX + "/templates", ctx -> page(ctx, "templates", toolkit::list));
        app.get(PREFIX + "/templates/{template}", ctx -> page(ctx, "template", toolkit::form));
        app.post(PREFIX + "/templates/{template}", ctx -> form(ctx, (view, session) -> toolkit.submit(view)));
        app.post(PREFIX + "/orgs/{org}/jobs/{job}/cancel", ctx -> form(ctx, (view, session) -> {
            Organisation org = tenancy.authorize(view.caller(), ctx.pathParam("org"), Action.JOB_CANCEL);
            compute.cancel(org.id().value(), ctx.pathParam("job"), view.caller().principal().actor(),
                    view.caller().request());
            return PREFIX + "/orgs/" + org.name() + "/jobs/" + ctx.pathParam("job");
        }));
        app.post(PREFIX + "/orgs/{org}/jobs/{job}/resubmit", ctx -> form(ctx, (view, session) -> resubmit(view)));
        app.get(PREFIX + "/access-requests", ctx -> page(ctx, "access-requests", hub::requests));
        app.get(PREFIX + "/hub", ctx -> page(ctx, "hub", hub::list));
        app.get(PREFIX + "/hub/{kind}/{namespace}/{name}", ctx -> page(ctx, "repo", hub::repo));
        app.get(PREFIX + "/hub/{kind}/{namespace}/{name}/download/{commit}/<path>", ctx -> download(ctx,
                hub::download));
        app.get(PREFIX + "/hub/{kind}/{namespace}/{name}/commits/{commit}", ctx -> page(ctx, "commit", hub::commit));
        app.post(PREFIX + "/hub/{kind}/{namespace}/{name}/access-requests", ctx -> form(ctx, (view, session) ->
                hub.request(view)));
        app.post(PREFIX + "/hub/{kind}/{namespace}/{name}/access-requests/{request}", ctx -> form(ctx,
                (view, session) -> hub.decide(view)));
        app.get(PREFIX + "/deployments", ctx -> page(ctx, "deployments", serving::list));
        app.post(PREFIX + "/deployments", ctx -> form(ctx, (view, session) -> serving.create(view)));
        app.get(PREFIX + "/orgs/{org}/deployments/{name}", ctx -> page(ctx, "deployment", serving::deployment));
        app.post(PREFIX + "/orgs/{org}/deployments/{name}/chat", this::chat);
        app.post(PREFIX + "/orgs/{org}/jobs/{job}/publish", ctx -> form(ctx, (view, session) -> {
            tenancy.authorize(view.caller(), ctx.pathParam("org"), Action.JOB_READ);
            return serving.publish(view);
        }));
        app.get(PREFIX + "/static/console.js", ctx -> asset(ctx, "dev/incubator/server/console/static/console.js",
                "text/javascript; charset=utf-8"));
        app.get(PREFIX + "/leaderboards", ctx -> page(ctx, "leaderboards", eval::leaderboards));
        app.get(PREFIX + "/cluster", ctx -> page(ctx, "cluster", operator::cluster));
        app.get(PREFIX + "/orgs", ctx -> page(ctx, "orgs", operator::organisations));
        app.get(PREFIX + "/orgs/{org}", ctx -> page(ctx, "org", operator::organisation));
        app.post(PREFIX + "/orgs/{org}/grants", ctx -> form(ctx, (view, session) -> operator.award(view)));
        app.post(PREFIX + "/orgs/{org}/grants/{grant}/adjustments", ctx -> form(ctx, (view, session) ->
                operator.adjust(view)));
        app.get(PREFIX + "/audit", ctx -> page(ctx, "audit", operator::audit));
        app.get(PREFIX + "/audit/export", ctx -> download(ctx, operator::export));
        app.get(PREFIX + "/applications", ctx -> page(ctx, "applications", review::applications));
        app.get(PREFIX + "/reviews", ctx -> page(ctx, "reviews", review::queue));
        app.get(PREFIX + "/reviews/{review}", ctx -> page(ctx, "review", review::review));
        app.post(PREFIX + "/reviews/{review}/votes", ctx -> form(ctx, (view, session) -> review.vote(view)));
        app.post(PREFIX + "/reviews/{review}/decision", ctx -> form(ctx, (view, session) -> review.decide(view)));
        app.get(PREFIX + "/settings/sessions", ctx -> page(ctx, "sessions", this::sessionsPage));
        app.post(PREFIX + "/settings/sessions/{id}/revoke", ctx -> form(ctx, (view, session) -> {
            Session target = sessions.read(r -> r.find(ctx.pathParam("id"))).filter(found -> found.userId()
                    .equals(session.userId())).orElseThrow(() -> IncubatorException.notFound("session",
                    ctx.pathParam("id")));
            sessions.write(r -> r.revoke(target.id(), clock.instant()));
            if (target.id().equals(session.id())) {
                clearCookie(ctx, SESSION_COOKIE);
                return PREFIX + "/sign-in";
            }
            return PREFIX + "/settings/sessions";
        }));
    }

    // ------------------------------------------------------------------------------------------------ pages

    /** What a page handler gets: the signed-in caller, the session, the language, and the model it fills. */
    record View(Caller caller, Session session, Messages messages, Map<String, Object> model, Context context,
                Map<String, dev.incubator.common.access.Roles.OrgRole> roles) {
        /** The organisations the signed-in user belongs to, by name. */
        java.util.Set<String> organisations() {
            return roles.keySet();
        }

        boolean platform(dev.incubator.common.access.Roles.PlatformRole role) {
            return caller.principal().user().platformRoles().contains(role);
        }
    }

    @FunctionalInterface
    interface Handler {
        void fill(View view);
    }

    @FunctionalInterface
    interface FormHandler {
        /** Does the action; returns where to go next. */
        String act(View view, Session session);
    }

    private void page(Context ctx, String template, Handler handler) {
        Messages messages = Messages.of(ctx);
        Optional<Session> session = session(ctx);
        if (session.isEmpty()) {
            ctx.redirect(PREFIX + "/sign-in");
            return;
        }
        View view;
        try {
            view = view(ctx, session.get(), messages);
        } catch (IncubatorException e) {
            clearCookie(ctx, SESSION_COOKIE);
            ctx.redirect(PREFIX + "/sign-in");
            return;
        }
        try {
            handler.fill(view);
            render(ctx, 200, template, view.model());
        } catch (IncubatorException e) {
            error(ctx, view.model(), messages, e);
        }
    }

    private void form(Context ctx, FormHandler handler) {
        Messages messages = Messages.of(ctx);
        Optional<Session> session = session(ctx);
        if (session.isEmpty()) {
            ctx.redirect(PREFIX + "/sign-in");
            return;
        }
        View view = view(ctx, session.get(), messages);
        String csrf = Optional.ofNullable(ctx.formParam("csrf")).orElse("");
        if (!MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8), session.get().csrf().getBytes(
                StandardCharsets.UTF_8))) {
            error(ctx, view.model(), messages, new IncubatorException(ErrorCode.FORBIDDEN, messages.get("error.csrf")));
            return;
        }
        try {
            ctx.redirect(handler.act(view, session.get()), io.javalin.http.HttpStatus.SEE_OTHER);
        } catch (IncubatorException e) {
            error(ctx, view.model(), messages, e);
        }
    }

    /** The playground's turn: streamed from the gateway, or a JSON error the page's script shows. */
    private void chat(Context ctx) throws IOException {
        Messages messages = Messages.of(ctx);
        Optional<Session> session = session(ctx);
        headers(ctx);
        if (session.isEmpty()) {
            ctx.status(401).contentType("application/json").result("{\"error\":{\"message\":\""
                    + messages.get("error.401") + "\"}}");
            return;
        }
        View view = view(ctx, session.get(), messages);
        String csrf = Optional.ofNullable(ctx.formParam("csrf")).orElse("");
        if (!MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8), session.get().csrf().getBytes(
                StandardCharsets.UTF_8))) {
            ctx.status(403).contentType("application/json").result("{\"error\":{\"message\":\""
                    + messages.get("error.csrf") + "\"}}");
            return;
        }
        serving.chat(view);
    }

    @FunctionalInterface
    interface Download {
        /** Writes the file to the view's context, or throws as a page would. */
        void write(View view) throws IOException;
    }

    /** A file download: the signed-in user's read, or the error page. */
    private void download(Context ctx, Download handler) {
        Messages messages = Messages.of(ctx);
        Optional<Session> session = session(ctx);
        if (session.isEmpty()) {
            ctx.redirect(PREFIX + "/sign-in");
            return;
        }
        View view = view(ctx, session.get(), messages);
        try {
            handler.write(view);
        } catch (IncubatorException e) {
            error(ctx, view.model(), messages, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private View view(Context ctx, Session session, Messages messages) {
        RequestMeta meta = new RequestMeta(Optional.ofNullable(ctx.<String>attribute("incubator.request-id"))
                .orElse("console-" + session.id()), ctx.ip());
        Principal principal = authenticator.forSession(session.userId(), session.id(), session.scopes());
        Map<String, Object> model = base(ctx, messages);
        model.put("signed_in", true);
        model.put("user", principal.user().name());
        model.put("csrf", session.csrf());
        Caller caller = new Caller(principal, meta);
        Map<String, dev.incubator.common.access.Roles.OrgRole> roles = tenancy.organisationRoles(caller);
        java.util.Set<dev.incubator.common.access.Roles.PlatformRole> platform = principal.user().platformRoles();
        model.put("is_operator", platform.contains(dev.incubator.common.access.Roles.PlatformRole.OPERATOR));
        model.put("is_reviewer", platform.contains(dev.incubator.common.access.Roles.PlatformRole.REVIEWER)
                || platform.contains(dev.incubator.common.access.Roles.PlatformRole.AUDITOR)
                || platform.contains(dev.incubator.common.access.Roles.PlatformRole.OPERATOR));
        model.put("sees_audit", platform.contains(dev.incubator.common.access.Roles.PlatformRole.AUDITOR)
                || platform.contains(dev.incubator.common.access.Roles.PlatformRole.OPERATOR));
        return new View(caller, session, messages, model, ctx, roles);
    }

    private Map<String, Object> base(Context ctx, Messages messages) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("t", messages.all());
        model.put("lang", messages.language());
        model.put("other_lang", messages.language().equals("zh") ? "en" : "zh");
        model.put("other_lang_name", messages.language().equals("zh") ? "English" : "中文");
        model.put("path", ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString()));
        return model;
    }

    private void home(View view) {
        List<Map<String, Object>> orgs = new ArrayList<>();
        tenancy.organisationRoles(view.caller()).forEach((name, role) -> {
            Map<String, Object> org = new LinkedHashMap<>();
            org.put("name", name);
            org.put("role", view.messages().get("role." + role.name().toLowerCase(Locale.ROOT)));
            List<Map<String, Object>> grantRows = new ArrayList<>();
            try {
                for (var status : grants.list(view.caller(), name, PageRequest.first(20)).items()) {
                    Views.GrantView grant = Views.GrantView.of(status);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("programme", grant.programme());
                    row.put("state", view.messages().get("grant." + grant.state().name().toLowerCase(Locale.ROOT)));
                    row.put("awarded", hours(grant.awardedGpuHours().add(grant.adjustmentGpuHours())));
                    row.put("used", hours(grant.usedGpuHours()));
                    row.put("balance", hours(grant.balanceGpuHours()));
                    row.put("used_percent", grant.usedPercent().setScale(0, RoundingMode.HALF_UP).toPlainString());
                    row.put("bar", Math.max(0, Math.min(100, grant.usedPercent().intValue())));
                    row.put("ends_on", grant.endsOn().toString());
                    row.put("exhaustion", grant.projectedExhaustion().map(Object::toString).orElse(view.messages()
                            .get("home.no_exhaustion")));
                    row.put("burn", hours(grant.burnRateGpuHoursPerDay()));
                    grantRows.add(row);
                }
            } catch (IncubatorException e) {
                // a viewer may not see grants: the organisation is listed without them
            }
            org.put("grants", grantRows);
            org.put("no_grants", grantRows.isEmpty());
            List<Map<String, Object>> active = new ArrayList<>();
            try {
                Organisation organisation = tenancy.authorize(view.caller(), name, Action.JOB_READ);
                for (JobState state : List.of(JobState.RUNNING, JobState.PENDING)) {
                    compute.list(organisation.id().value(), new JobQuery(Optional.of(state), Optional.empty(),
                            Optional.empty(), Optional.empty()), PageRequest.first(10)).items().forEach(job ->
                            active.add(jobRow(job, view.messages())));
                }
            } catch (IncubatorException e) {
                // the role does not show jobs: none listed
            }
            org.put("jobs", active);
            org.put("no_jobs", active.isEmpty());
            orgs.add(org);
        });
        view.model().put("orgs", orgs);
        view.model().put("no_orgs", orgs.isEmpty());
    }

    private void jobs(View view) {
        List<String> names = new ArrayList<>(tenancy.organisationRoles(view.caller()).keySet());
        String orgName = Optional.ofNullable(view.context().queryParam("org")).filter(value -> !value.isBlank())
                .orElse(names.isEmpty() ? "" : names.get(0));
        if (orgName.isEmpty()) {
            view.model().put("no_orgs", true);
            return;
        }
        Organisation org = tenancy.authorize(view.caller(), orgName, Action.JOB_READ);
        Optional<JobState> state = Optional.ofNullable(view.context().queryParam("state")).filter(value ->
                !value.isBlank()).map(value -> java.util.Arrays.stream(JobState.values()).filter(s -> s.name()
                .equalsIgnoreCase(value)).findFirst().orElseThrow(() -> IncubatorException.validation("state",
                view.messages().get("error.state"))));
        Optional<String> cursor = Optional.ofNullable(view.context().queryParam("cursor")).filter(value ->
                !value.isBlank());
        Page<Job> page = compute.list(org.id().value(), new JobQuery(state, Optional.empty(), Optional.empty(),
                Optional.empty()), PageRequest.parse("25", cursor.orElse(null)));
        view.model().put("org", org.name());
        view.model().put("orgs", names.stream().map(name -> Map.of("name", name, "selected", name.equals(
                org.name()))).toList());
        view.model().put("states", java.util.Arrays.stream(JobState.values()).map(s -> Map.of("value", s.name()
                .toLowerCase(Locale.ROOT), "label", view.messages().get("state." + s.name().toLowerCase(Locale.ROOT)),
                "selected", state.map(s::equals).orElse(false))).toList());
        view.model().put("jobs", page.items().stream().map(job -> jobRow(job, view.messages())).toList());
        view.model().put("no_jobs", page.items().isEmpty());
        view.model().put("events_url", PREFIX + "/jobs/events?org=" + org.name() + state.map(s -> "&state="
                + s.name().toLowerCase(Locale.ROOT)).orElse("") + cursor.map(c -> "&cursor=" + java.net.URLEncoder
                .encode(c, StandardCharsets.UTF_8)).orElse(""));
        page.nextCursor().ifPresent(next -> view.model().put("next", PREFIX + "/jobs?org=" + org.name()
                + state.map(s -> "&state=" + s.name().toLowerCase(Locale.ROOT)).orElse("") + "&cursor=" + next));
    }

    private void job(View view) {
        Organisation org = tenancy.authorize(view.caller(), view.context().pathParam("org"), Action.JOB_READ);
        Job job = compute.get(org.id().value(), view.context().pathParam("job"));
        ComputeRoutes.JobView details = ComputeRoutes.JobView.of(job);
        Map<String, Object> row = jobRow(job, view.messages());
        row.put("command", String.join(" ", details.command()));
        row.put("gpus", details.gpusPerNode().toPlainString() + (details.nodes() > 1 ? " x " + details.nodes() : ""));
        row.put("gpu_hours", details.gpuHours().toPlainString());
        row.put("attempt", details.attempt());
        row.put("exit_code", details.exitCode().map(Object::toString).orElse("-"));
        row.put("started", details.startedAt().map(TIME::format).orElse("-"));
        row.put("finished", details.finishedAt().map(TIME::format).orElse("-"));
        row.put("message", details.message().orElse(""));
        row.put("final", job.state().isFinal());
        row.put("live", !job.state().isFinal());
        LogTail tail = tail(job, "stdout");
        row.put("log", tail.text());
        row.put("log_events_url", PREFIX + "/orgs/" + org.name() + "/jobs/" + job.id() + "/log/events?from="
                + tail.end());
        row.put("cancel_url", PREFIX + "/orgs/" + org.name() + "/jobs/" + job.id() + "/cancel");
        row.put("resubmit_url", PREFIX + "/orgs/" + org.name() + "/jobs/" + job.id() + "/resubmit");
        Optional.ofNullable(job.spec().env().get(dev.incubator.toolkit.template.TemplateCatalog.TEMPLATE_VARIABLE))
                .ifPresent(template -> row.put("change_url", PREFIX + "/templates/" + template + "?org="
                        + org.name() + "&from=" + job.id()));
        view.model().put("job", row);
        view.model().put("org", org.name());
        view.model().put("live", !job.state().isFinal());
        view.model().put("events_url", PREFIX + "/orgs/" + org.name() + "/jobs/" + job.id() + "/events");
        toolkit.metrics(view, job.id());
        view.model().put("has_run", job.spec().env().containsKey(
                dev.incubator.toolkit.template.TemplateCatalog.TEMPLATE_VARIABLE)
                || Boolean.TRUE.equals(view.model().get("has_charts")));
        boolean templateRun = job.spec().env().containsKey(dev.incubator.toolkit.template.TemplateCatalog
                .TEMPLATE_VARIABLE);
        view.model().put("can_publish", templateRun && job.state() == JobState.SUCCEEDED);
        view.model().put("publish_url", PREFIX + "/orgs/" + org.name() + "/jobs/" + job.id() + "/publish");
        view.model().put("publish_default", "models/" + org.name() + "/" + job.spec().name().toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]", "-"));
    }

    /**
     * A finished job submitted again as it was (its command, resources, mounts, code and dependencies; one job, not
     * its array), by the caller, under the grants of today: a new job whose page opens.
     */
    private String resubmit(View view) {
        Organisation org = tenancy.authorize(view.caller(), view.context().pathParam("org"), Action.JOB_SUBMIT);
        Job job = compute.get(org.id().value(), view.context().pathParam("job"));
        if (!job.state().isFinal()) {
            throw new IncubatorException(ErrorCode.CONFLICT, view.messages().get("job.resubmit_running"));
        }
        Job submitted = compute.submit(new ComputeService.Submitter(org.id().value(),
                org.name(), view.caller().principal().user().name(), view.caller().request()), job.spec().asSingleJob());
        return PREFIX + "/orgs/" + org.name() + "/jobs/" + submitted.id();
    }

    /** The {@code ?page=} of a list paged by number: 1 when absent; a clear 400 when it is not 1 to 10000. */
    static int page(Context ctx) {
        String text = Optional.ofNullable(ctx.queryParam("page")).map(String::strip).orElse("");
        if (text.isEmpty()) {
            return 1;
        }
        try {
            int page = Integer.parseInt(text);
            if (page >= 1 && page <= 10_000) {
                return page;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw IncubatorException.validation("page", "'" + (text.length() > 20 ? text.substring(0, 20) + "..." : text)
                + "' is not a page number: give a whole number from 1 to 10000");
    }

    private void sessionsPage(View view) {
        Instant now = clock.instant();
        view.model().put("sessions", sessions.read(r -> r.forUser(view.session().userId(), 50)).stream().map(s -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", s.id());
            row.put("created", TIME.format(s.createdAt()));
            row.put("last_seen", TIME.format(s.lastSeenAt()));
            row.put("agent", s.userAgent());
            row.put("address", s.address());
            row.put("current", s.id().equals(view.session().id()));
            Optional<String> ended = s.endedAt(now);
            row.put("active", ended.isEmpty());
            row.put("ended", ended.orElse(""));
            row.put("revoke_url", PREFIX + "/settings/sessions/" + s.id() + "/revoke");
            return row;
        }).toList());
    }

    private Map<String, Object> jobRow(Job job, Messages messages) {
        ComputeRoutes.JobView view = ComputeRoutes.JobView.of(job);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", job.id());
        row.put("org", job.orgName());
        row.put("name", job.spec().name());
        row.put("user", job.submittedBy());
        String state = job.state().name().toLowerCase(Locale.ROOT);
        row.put("state", state);
        row.put("state_label", messages.get("state." + state));
        row.put("why", view.reason().filter(reason -> job.state() == JobState.PENDING).map(reason -> messages
                .getOrDefault("reason." + reason.toLowerCase(Locale.ROOT), reason) + view.message().map(m -> ": " + m)
                .orElse("")).orElse(""));
        row.put("position", view.position().map(Object::toString).orElse(""));
        row.put("estimated_start", view.estimatedStart().map(TIME::format).orElse(""));
        row.put("submitted", TIME.format(job.submittedAt()));
        row.put("url", PREFIX + "/orgs/" + job.orgName() + "/jobs/" + job.id());
        return row;
    }

    /** The end of a job's output as the page shows it, and the byte offset it ends at (where the live part goes on). */
    record LogTail(String text, long end) {
    }

    private LogTail tail(Job job, String stream) {
        Path file = logs.apply(job, stream);
        if (!Files.isRegularFile(file)) {
            return new LogTail("", 0);
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            long from = Math.max(0, length - MAX_LOG);
            byte[] bytes = new byte[(int) (length - from)];
            in.seek(from);
            in.readFully(bytes);
            int complete = JobOutput.completeLength(bytes, bytes.length);
            return new LogTail(new String(bytes, 0, complete, StandardCharsets.UTF_8), from + complete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ live parts

    @FunctionalInterface
    interface StreamFactory {
        /** Checks that the caller may follow the thing (throws as a page would) and returns what the stream sends. */
        LiveEvents.Source open(View view);
    }

    /**
     * A live part's event stream: the same session and policy checks as its page (401 without a session, 404 for what
     * the caller may not see, as plain text: a browser's EventSource stops on them), ended when the session does.
     */
    private void stream(Context ctx, StreamFactory factory) {
        Messages messages = Messages.of(ctx);
        headers(ctx);
        ctx.attribute(dev.incubator.server.api.HttpApi.PROBLEM_SENT, true);
        Optional<Session> session = session(ctx);
        if (session.isEmpty()) {
            ctx.status(401).contentType("text/plain; charset=utf-8").result(messages.get("error.401"));
            return;
        }
        LiveEvents.Source source;
        try {
            source = factory.open(view(ctx, session.get(), messages));
        } catch (IncubatorException e) {
            int status = Problems.status(e.code());
            ctx.status(status).contentType("text/plain; charset=utf-8").result(status == 404
                    ? messages.get("error.404.detail") : e.getMessage());
            return;
        }
        String id = session.get().id();
        live.serve(ctx, id, () -> sessions.read(r -> r.find(id)).filter(found -> found.endedAt(clock.instant())
                .isEmpty()).isPresent(), source);
    }

    /**
     * Parts of a page re-rendered every other tick by the page's own handler (so with its checks: losing access ends
     * the stream) and sent when they changed; {@code over} ends the stream after the parts it last sent.
     */
    private LiveEvents.Source fragments(View first, Handler fill, Map<String, String> parts,
                                        java.util.function.Predicate<Map<String, Object>> over) {
        fill.fill(first); // the page's checks, before the stream starts
        Map<String, String> sent = new java.util.HashMap<>();
        parts.forEach((name, template) -> sent.put(name, renderToString(template, first.model())));
        int[] ticks = {0};
        return events -> {
            if (++ticks[0] % 2 != 0) {
                return false;
            }
            View view;
            try {
                view = view(first.context(), first.session(), first.messages());
                fill.fill(view);
            } catch (IncubatorException e) {
                events.send("end", "", null);
                return true;
            }
            for (Map.Entry<String, String> part : new java.util.TreeMap<>(parts).entrySet()) {
                String html = renderToString(part.getValue(), view.model());
                if (!html.equals(sent.get(part.getKey()))) {
                    events.send(part.getKey(), html, null);
                }
                sent.put(part.getKey(), html);
            }
            if (over.test(view.model())) {
                events.send("end", "", null);
                return true;
            }
            return false;
        };
    }

    /** A job's output as it grows, from the byte offset the page (or the last event's id) ends at. */
    private LiveEvents.Source logEvents(View view) {
        Organisation org = tenancy.authorize(view.caller(), view.context().pathParam("org"), Action.JOB_READ);
        String jobId = view.context().pathParam("job");
        compute.get(org.id().value(), jobId);
        String resume = Optional.ofNullable(view.context().header("Last-Event-ID")).orElse(
                Optional.ofNullable(view.context().queryParam("from")).orElse("0"));
        JobOutput output = new JobOutput(JobOutput.offset(resume));
        return events -> {
            Job job;
            try {
                // Memberships as they are now, not as they were when the stream opened.
                View now = view(view.context(), view.session(), view.messages());
                tenancy.authorize(now.caller(), org.name(), Action.JOB_READ);
                job = compute.get(org.id().value(), jobId);
            } catch (IncubatorException e) {
                events.send("end", "", null);
                return true;
            }
            boolean over = job.state().isFinal(); // read before the output: all it wrote is in the file by then
            if (output.follow(logs.apply(job, "stdout"), events) && over) {
                events.send("end", view.messages().get("state." + job.state().name().toLowerCase(Locale.ROOT)), null);
                return true;
            }
            return false;
        };
    }

    private static String hours(BigDecimal value) {
        return value.setScale(1, RoundingMode.HALF_UP).toPlainString();
    }

    // ------------------------------------------------------------------------------------------------ sign-in

    private void signInPage(Context ctx) {
        Messages messages = Messages.of(ctx);
        Map<String, Object> model = base(ctx, messages);
        String nonce = random(24);
        setCookie(ctx, SIGN_IN_COOKIE, nonce, 600);
        model.put("csrf", nonce);
        model.put("error", ctx.queryParam("error") == null ? "" : messages.get("signin.failed"));
        render(ctx, 200, "sign-in", model);
    }

    private void signIn(Context ctx) {
        Messages messages = Messages.of(ctx);
        Map<String, Object> model = base(ctx, messages);
        String nonce = Optional.ofNullable(ctx.cookie(SIGN_IN_COOKIE)).orElse("");
        String sent = Optional.ofNullable(ctx.formParam("csrf")).orElse("");
        String fresh = random(24);
        setCookie(ctx, SIGN_IN_COOKIE, fresh, 600);
        model.put("csrf", fresh);
        if (nonce.isEmpty() || !MessageDigest.isEqual(nonce.getBytes(StandardCharsets.UTF_8),
                sent.getBytes(StandardCharsets.UTF_8))) {
            model.put("error", messages.get("error.csrf"));
            render(ctx, 403, "sign-in", model);
            return;
        }
        String token = Optional.ofNullable(ctx.formParam("token")).orElse("").strip();
        String user = Optional.ofNullable(ctx.formParam("user")).orElse("").strip();
        Principal principal;
        try {
            principal = authenticator.authenticate(token);
            if (!user.isEmpty() && !user.equals(principal.user().name())) {
                throw new IncubatorException(ErrorCode.TOKEN_INVALID, messages.get("signin.mismatch"));
            }
        } catch (IncubatorException e) {
            // The same words for an unknown, revoked or mismatched token: a guess learns nothing more.
            LOG.info("console sign-in refused from {}: {}", ctx.ip(), e.getMessage());
            model.put("error", messages.get("signin.failed"));
            model.put("user_value", user);
            render(ctx, 401, "sign-in", model);
            return;
        }
        Instant now = clock.instant();
        String secret = random(32);
        java.util.Set<Scope> scopes = principal.scopes();
        Session session = new Session(dev.incubator.common.Ids.next("ses", clock), TokenSecrets.hash(secret),
                principal.user().id().value(), principal.user().name(), scopes, random(24), now, now,
                now.plus(Session.LIFETIME), Optional.empty(), Optional.ofNullable(ctx.userAgent()).map(agent ->
                agent.length() > 200 ? agent.substring(0, 200) : agent).orElse("-"), ctx.ip());
        sessions.write(r -> {
            r.insert(session);
            return null;
        });
        LOG.info("console session {} opened for {} from {}", session.id(), session.userName(), ctx.ip());
        clearCookie(ctx, SIGN_IN_COOKIE);
        setCookie(ctx, SESSION_COOKIE, secret, (int) Session.LIFETIME.toSeconds());
        ctx.redirect(PREFIX, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private Optional<Session> session(Context ctx) {
        String secret = ctx.cookie(SESSION_COOKIE);
        if (secret == null || secret.isBlank() || secret.length() > 100) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Optional<Session> found = sessions.read(r -> r.findBySecretHash(TokenSecrets.hash(secret)))
                .filter(session -> session.endedAt(now).isEmpty());
        found.filter(session -> session.lastSeenAt().plusSeconds(60).isBefore(now)).ifPresent(session ->
                sessions.write(r -> {
                    r.touch(session.id(), now);
                    return null;
                }));
        return found;
    }

    private void language(Context ctx) {
        String to = "zh".equals(ctx.queryParam("to")) ? "zh" : "en";
        setCookie(ctx, LANGUAGE_COOKIE, to, 365 * 24 * 3600);
        String back = Optional.ofNullable(ctx.queryParam("back")).filter(path -> path.startsWith(PREFIX)
                && !path.startsWith("//") && !path.contains("\\")).orElse(PREFIX);
        ctx.redirect(back, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private void error(Context ctx, Map<String, Object> model, Messages messages, IncubatorException e) {
        int status = Problems.status(e.code());
        model.put("status", status);
        model.put("title", messages.getOrDefault("error." + status, messages.get("error.other")));
        // A page the caller may not see answers like one that does not exist.
        model.put("detail", status == 404 ? messages.get("error.404.detail") : e.getMessage());
        Optional.ofNullable(ctx.header("Referer")).map(Console::consolePath).filter(path -> ctx.method()
                == io.javalin.http.HandlerType.POST).ifPresent(path -> model.put("again", path));
        model.put("field_errors", status == 404 ? List.of() : e.fieldErrors().stream().map(field -> Map.of(
                "field", field.field(), "message", field.message())).toList());
        render(ctx, status, "error", model);
    }

    /** The console path of a same-site address (a Referer), or null: never a way off the console. */
    private static String consolePath(String address) {
        try {
            java.net.URI uri = java.net.URI.create(address);
            String path = uri.getRawPath();
            if (path == null || !path.startsWith(PREFIX) || path.contains("\\")) {
                return null;
            }
            return path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private String renderToString(String template, Map<String, Object> model) {
        StringWriter out = new StringWriter();
        templates.compile(template + ".mustache").execute(out, model);
        return out.toString();
    }

    private void render(Context ctx, int status, String template, Map<String, Object> model) {
        if (model.get("t") instanceof Map<?, ?> words && !model.containsKey("page_title")) {
            Object title = words.get("title_" + template);
            model.put("page_title", title == null ? "Incubator" : title);
        }
        Mustache mustache = templates.compile(template + ".mustache");
        StringWriter out = new StringWriter();
        mustache.execute(out, model);
        headers(ctx);
        if (status >= 400) {
            ctx.attribute(dev.incubator.server.api.HttpApi.PROBLEM_SENT, true); // the page is the answer
        }
        ctx.status(status).contentType("text/html; charset=utf-8").result(out.toString());
    }

    private static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none';"
                + " form-action 'self'; base-uri 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
    }

    private static void asset(Context ctx, String resource, String type) throws IOException {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                ctx.status(404).result("");
                return;
            }
            ctx.header("Cache-Control", "public, max-age=3600");
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.contentType(type).result(in.readAllBytes());
        }
    }

    private void setCookie(Context ctx, String name, String value, int maxAgeSeconds) {
        Cookie cookie = new Cookie(name, value, PREFIX, maxAgeSeconds, secureCookies, 0, true, null, null,
                SameSite.STRICT);
        ctx.cookie(cookie);
    }

    private void clearCookie(Context ctx, String name) {
        setCookie(ctx, name, "", 0);
    }

    private static String random(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }
}
