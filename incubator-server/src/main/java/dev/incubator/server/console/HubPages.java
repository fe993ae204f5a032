package dev.incubator.server.console;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.access.Sensitivity;
import dev.incubator.common.access.Subject;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The hub in the console: models and datasets the caller may see, searched and paged; a repository's card, README,
 * files with sizes and download links, branches and tags, and latest commits. Every read goes through the hub
 * service, so the policy engine decides (and audits gated reads) as for the API; a repository the caller may not see
 * answers 404.
 */
final class HubPages {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final int MAX_README = 64 * 1024;

    private final HubService hub;
    private final dev.incubator.server.api.AccessRoutes access;
    private final dev.incubator.governance.access.AgreementService agreements;
    private final ConsoleApi api;

    HubPages(HubService hub, dev.incubator.server.api.AccessRoutes access,
             dev.incubator.governance.access.AgreementService agreements, ConsoleApi api) {
        this.hub = hub;
        this.api = api;
        this.access = access;
        this.agreements = agreements;
    }

    /** Asks for access to a gated repository with a purpose and a justification; back to its page. */
    String request(Console.View view) {
        Context ctx = view.context();
        Subject subject = subject(view);
        Repo repo = hub.find(subject, kind(ctx), ctx.pathParam("namespace"), ctx.pathParam("name"),
                dev.incubator.common.access.Action.ACCESS_REQUEST);
        access.request(actor(view), repo, Optional.ofNullable(ctx.formParam("purpose")).orElse(""),
                Optional.ofNullable(ctx.formParam("justification")).orElse(""));
        return url(repo);
    }

    /** A steward's decision on a request: approve with terms, or deny with a reason; back to the page. */
    String decide(Console.View view) {
        Context ctx = view.context();
        Subject subject = subject(view);
        Repo repo = hub.find(subject, kind(ctx), ctx.pathParam("namespace"), ctx.pathParam("name"),
                dev.incubator.common.access.Action.ACCESS_DECIDE);
        String id = ctx.pathParam("request");
        if ("revoke".equals(ctx.formParam("decision"))) {
            agreements.revoke(actor(view), dev.incubator.server.api.AccessRoutes.subject(repo), id,
                    Optional.ofNullable(ctx.formParam("reason")).orElse(""));
        } else if ("deny".equals(ctx.formParam("decision"))) {
            agreements.deny(actor(view), dev.incubator.server.api.AccessRoutes.subject(repo), id,
                    Optional.ofNullable(ctx.formParam("reason")).orElse(""));
        } else {
            java.time.LocalDate until;
            try {
                until = java.time.LocalDate.parse(Optional.ofNullable(ctx.formParam("expires_on")).orElse(""));
            } catch (java.time.format.DateTimeParseException e) {
                throw IncubatorException.validation("expires_on", view.messages().get("access.bad_date"));
            }
            access.approve(subject, actor(view), repo, id, List.of(), until, Optional.ofNullable(ctx.formParam(
                    "mode")).filter(mode -> !mode.isBlank()), !"no".equals(ctx.formParam("no_redistribution")),
                    Optional.empty());
        }
        return url(repo);
    }

    private static dev.incubator.governance.access.AgreementService.Actor actor(Console.View view) {
        var principal = view.caller().principal();
        return new dev.incubator.governance.access.AgreementService.Actor(principal.user().id().value(),
                principal.user().name(), principal.actor(), view.caller().request());
    }

    private static String url(Repo repo) {
        return "/console/hub/" + repo.kind().plural() + "/" + repo.fullName();
    }

    private static final int REQUESTS_PER_PAGE = 25;

    /**
     * The signed-in user's access requests on every repository, newest first, with their state and terms (what they
     * may do, until when, under which conditions) or the steward's reason; paged.
     */
    void requests(Console.View view) {
        String user = subject(view).userId().orElseThrow();
        List<dev.incubator.governance.access.Agreement> all = new ArrayList<>(agreements.forRequester(user));
        all.sort(java.util.Comparator.comparing(dev.incubator.governance.access.Agreement::createdAt).reversed()
                .thenComparing(dev.incubator.governance.access.Agreement::id));
        int page = Console.page(view.context());
        int from = Math.min(all.size(), (page - 1) * REQUESTS_PER_PAGE);
        int to = Math.min(all.size(), from + REQUESTS_PER_PAGE);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (var agreement : all.subList(from, to)) {
            Map<String, Object> row = agreementRow(agreement, view.messages());
            row.put("repository", agreement.repository());
            row.put("url", "/console/hub/" + agreement.repository());
            row.put("asked", agreement.createdAt().toString().substring(0, 10));
            row.put("decided", agreement.decidedAt().map(at -> at.toString().substring(0, 10)).orElse("-"));
            rows.add(row);
        }
        view.model().put("requests", rows);
        view.model().put("has_requests", !rows.isEmpty());
        view.model().put("count", all.size());
        if (to < all.size()) {
            view.model().put("next", "/console/access-requests?page=" + (page + 1));
        }
        if (page > 1) {
            view.model().put("previous", "/console/access-requests?page=" + (page - 1));
        }
    }

    private static Map<String, Object> agreementRow(dev.incubator.governance.access.Agreement agreement,
                                                    Messages messages) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", agreement.id());
        row.put("requester", agreement.requesterName());
        row.put("purpose", messages.getOrDefault("purpose." + agreement.purpose().wire(), agreement.purpose()
                .wire()));
        row.put("justification", agreement.justification());
        String state = agreement.state().name().toLowerCase(Locale.ROOT);
        row.put("state", messages.get("access.state_" + state));
        row.put("pending", agreement.state() == dev.incubator.governance.access.Agreement.State.PENDING);
        boolean approved = agreement.state() == dev.incubator.governance.access.Agreement.State.APPROVED;
        row.put("approved", approved);
        row.put("terms", approved
                ? messages.get("access.mode_" + agreement.mode().name().toLowerCase(Locale.ROOT)) + ", "
                + messages.get("access.until") + " " + agreement.expiresOn().map(Object::toString).orElse("-")
                + (agreement.noRedistribution() ? ", " + messages.get("access.no_redistribution") : "")
                + agreement.attribution().map(text -> ", " + messages.get("access.attribution") + " " + text)
                .orElse("")
                : agreement.reason().orElse(""));
        return row;
    }

    /** The repository page's access part: your requests and their terms, a request form, a steward's inbox. */
    private void accessPart(Console.View view, Repo repo, Map<String, Object> model) {
        if (repo.visibility() != dev.incubator.hub.repo.Visibility.GATED) {
            return;
        }
        Subject subject = subject(view);
        Messages messages = view.messages();
        boolean steward = hub.access().allows(subject, dev.incubator.common.access.Action.ACCESS_DECIDE,
                repo.resource());
        boolean reader = hub.access().allows(subject, dev.incubator.common.access.Action.REPO_READ, repo.resource());
        List<Map<String, Object>> mine = new ArrayList<>();
        List<Map<String, Object>> inbox = new ArrayList<>();
        for (var agreement : agreements.forRepository(repo.id())) {
            Map<String, Object> row = agreementRow(agreement, messages);
            row.put("decide_url", url(repo) + "/access-requests/" + agreement.id());
            if (subject.userId().map(agreement.requesterId()::equals).orElse(false)) {
                mine.add(row);
            }
            if (steward) {
                inbox.add(row);
            }
        }
        model.put("gated_access", true);
        model.put("my_requests", mine);
        model.put("has_my_requests", !mine.isEmpty());
        model.put("may_request", !reader && subject.signedIn() && mine.stream().noneMatch(row -> Boolean.TRUE
                .equals(row.get("pending"))));
        model.put("request_url", url(repo) + "/access-requests");
        List<String> considered = repo.card().map(card -> card.gatedPurposes()).orElse(List.of());
        model.put("purposes", java.util.Arrays.stream(dev.incubator.governance.access.Purpose.values())
                .filter(p -> considered.isEmpty() || considered.contains(p.wire()))
                .map(p -> Map.of("value", p.wire(), "label", messages.getOrDefault("purpose." + p.wire(), p.wire())))
                .toList());
        model.put("steward", steward);
        model.put("inbox", inbox);
        model.put("has_inbox", !inbox.isEmpty());
        model.put("default_until", java.time.LocalDate.now(ZoneOffset.UTC).plusYears(1).toString());
    }

    void list(Console.View view) {
        Context ctx = view.context();
        RepoKind kind = "dataset".equals(ctx.queryParam("kind")) ? RepoKind.DATASET : RepoKind.MODEL;
        Optional<String> search = Optional.ofNullable(ctx.queryParam("q")).map(String::strip).filter(q ->
                !q.isEmpty());
        if (search.isPresent() && search.get().length() > 100) {
            throw IncubatorException.validation("q", view.messages().get("hub.search_too_long"));
        }
        Page<Repo> page = hub.list(subject(view), Optional.of(kind), Optional.empty(), search,
                PageRequest.parse("25", Optional.ofNullable(ctx.queryParam("cursor")).filter(c -> !c.isBlank())
                        .orElse(null)));
        view.model().put("kind", kind.name().toLowerCase(Locale.ROOT));
        view.model().put("is_models", kind == RepoKind.MODEL);
        view.model().put("q", search.orElse(""));
        view.model().put("repos", page.items().stream().map(repo -> row(repo, view.messages())).toList());
        view.model().put("no_repos", page.items().isEmpty());
        page.nextCursor().ifPresent(next -> view.model().put("next", "/console/hub?kind=" + kind.name()
                .toLowerCase(Locale.ROOT) + search.map(q -> "&q=" + java.net.URLEncoder.encode(q,
                StandardCharsets.UTF_8)).orElse("") + "&cursor=" + next));
    }

    void repo(Console.View view) {
        Context ctx = view.context();
        Repo repo = hub.get(subject(view), kind(ctx), ctx.pathParam("namespace"), ctx.pathParam("name"));
        Map<String, Object> model = row(repo, view.messages());
        String revision = Optional.ofNullable(ctx.queryParam("revision")).filter(r -> !r.isBlank()).orElse("main");
        Optional<Commit> head;
        try {
            head = Optional.of(hub.resolve(repo, revision));
        } catch (IncubatorException e) {
            head = Optional.empty(); // an empty repository
        }
        model.put("revision", revision);
        repo.card().ifPresent(card -> {
            model.put("tags", String.join(", ", card.tags()));
            model.put("languages", String.join(", ", card.language()));
            model.put("base_models", card.baseModel().stream().map(name -> Map.of("name", name, "url",
                    "/console/hub/models/" + name)).toList());
            model.put("datasets", card.datasets().stream().map(name -> Map.of("name", name, "url",
                    "/console/hub/datasets/" + name)).toList());
            model.put("sensitive", String.join(", ", card.sensitive().stream().map(Sensitivity::wire).sorted()
                    .toList()));
            card.gatedConditions().ifPresent(conditions -> model.put("gated_conditions", conditions));
        });
        List<Map<String, Object>> files = new ArrayList<>();
        head.ifPresent(commit -> {
            model.put("commit", commit.id().substring(0, 12));
            for (TreeEntry entry : commit.tree()) {
                files.add(Map.of("path", entry.path(), "size", size(entry.size()), "url", "/console/hub/"
                        + repo.kind().plural() + "/" + repo.fullName() + "/download/" + commit.id() + "/"
                        + entry.path()));
            }
            readme(view, repo, commit, model);
            model.put("commits", hub.log(repo, commit.id(), PageRequest.first(10)).items().stream().map(c ->
                    Map.of("id", c.id().substring(0, 12), "message", c.message().lines().findFirst().orElse(""),
                            "author", c.author(), "at", TIME.format(c.createdAt()), "url", "/console/hub/"
                                    + repo.kind().plural() + "/" + repo.fullName() + "/commits/" + c.id())).toList());
        });
        model.put("refs", hub.refs(repo).stream().map(ref -> Map.of("name", ref.name(), "kind", view.messages()
                .get("hub.ref_" + ref.kind().name().toLowerCase(Locale.ROOT)), "url", "/console/hub/"
                + repo.kind().plural() + "/" + repo.fullName() + "?revision=" + ref.name())).toList());
        model.put("lineage", lineage(view, repo));
        for (String list : List.of("base_models", "datasets", "refs", "commits", "lineage")) {
            model.put("has_" + list, model.get(list) instanceof List<?> items && !items.isEmpty());
        }
        model.put("files", files);
        model.put("no_files", files.isEmpty());
        accessPart(view, repo, model);
        view.model().put("repo", model);
    }

    /**
     * A commit and what it changed against its first parent: each file added, removed or modified with its sizes, and
     * for text files small enough a unified diff. A repository whose content the caller may not read (gated without
     * an agreement) shows the names and sizes only, as its files list does.
     */
    void commit(Console.View view) {
        Context ctx = view.context();
        Repo repo = hub.get(subject(view), kind(ctx), ctx.pathParam("namespace"), ctx.pathParam("name"));
        String requested = ctx.pathParam("commit");
        if (!requested.matches("[0-9a-f]{7,64}")) {
            throw IncubatorException.validation("commit", view.messages().get("hub.commit_id_hint"));
        }
        Commit commit = hub.resolve(repo, requested);
        Optional<Commit> parent = commit.parents().isEmpty() ? Optional.empty()
                : Optional.of(hub.resolve(repo, commit.parents().get(0)));
        List<HubService.Change> changes = parent.map(p -> hub.diff(repo, p.id(), commit.id())).orElseGet(() ->
                commit.tree().stream().map(entry -> new HubService.Change(entry.path(), "added", Optional.empty(),
                        Optional.of(entry))).toList());
        Optional<HubService.Reading> reading;
        try {
            reading = Optional.of(hub.findForRead(subject(view), repo.kind(), repo.namespace(), repo.name()));
        } catch (IncubatorException e) {
            reading = Optional.empty();
        }
        Diffs diffs = new Diffs(view.messages());
        List<Map<String, Object>> files = new ArrayList<>();
        for (HubService.Change change : changes) {
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("path", change.path());
            file.put("kind", change.kind());
            file.put("kind_label", view.messages().get("hub.change_" + change.kind()));
            file.put("before", change.before().map(entry -> size(entry.size())).orElse("-"));
            file.put("after", change.after().map(entry -> size(entry.size())).orElse("-"));
            if (reading.isPresent()) {
                Optional<HubService.Reading> readable = reading;
                diffs.describe(file, change.before().map(entry -> text(readable.get().repo(), parent.orElseThrow(),
                        entry)), change.after().map(entry -> text(readable.get().repo(), commit, entry)));
            } else {
                file.put("note", view.messages().get("hub.diff_gated"));
            }
            files.add(file);
        }
        Map<String, Object> model = row(repo, view.messages());
        model.put("id", commit.id());
        model.put("short", commit.id().substring(0, 12));
        model.put("message", commit.message());
        model.put("author", commit.author());
        model.put("at", TIME.format(commit.createdAt()));
        parent.ifPresent(p -> model.put("parent", Map.of("short", p.id().substring(0, 12), "url", "/console/hub/"
                + repo.kind().plural() + "/" + repo.fullName() + "/commits/" + p.id())));
        model.put("browse_url", "/console/hub/" + repo.kind().plural() + "/" + repo.fullName() + "?revision="
                + commit.id());
        model.put("files", files);
        model.put("no_changes", files.isEmpty());
        view.model().put("commit", model);
    }

    /** A file's text if it is small and text (valid UTF-8 without NUL), else empty: sizes alone are shown then. */
    private Optional<String> text(Repo repo, Commit commit, TreeEntry entry) {
        if (entry.size() > Diffs.MAX_FILE) {
            return Optional.empty();
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            hub.copy(hub.download(repo, commit, entry.path()), 0, entry.size(), out);
            return Diffs.decode(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The restrictions the repository inherits through its card's base models and datasets (the API's getLineage,
     * which leaves out what comes through a repository the caller may not see), each with the path it came along.
     */
    private List<Map<String, Object>> lineage(Console.View view, Repo repo) {
        Map<String, Object> lineage = api.get(view, "getLineage", Map.of("kind", repo.kind().plural(), "namespace",
                repo.namespace(), "name", repo.name()), Map.of());
        List<Map<String, Object>> rows = new ArrayList<>();
        if (lineage.get("inherited") instanceof List<?> inherited) {
            for (Object item : inherited) {
                if (!(item instanceof Map<?, ?> one)) {
                    continue;
                }
                List<Map<String, Object>> path = new ArrayList<>();
                if (one.get("path") instanceof List<?> names) {
                    for (int i = 0; i < names.size(); i++) {
                        String name = String.valueOf(names.get(i));
                        path.add(Map.of("name", name, "url", "/console/hub/" + name, "last", i == names.size() - 1));
                    }
                }
                String restriction = String.valueOf(one.get("restriction"));
                rows.add(Map.of("restriction", view.messages().getOrDefault("hub.restriction_" + restriction
                        .replace('-', '_'), restriction), "why", String.valueOf(one.get("why")), "path", path));
            }
        }
        return rows;
    }

    /** A file of a commit, streamed to the browser as the hub's download does, read as the signed-in user. */
    void download(Console.View view) throws IOException {
        Context ctx = view.context();
        HubService.Reading reading = hub.findForRead(subject(view), kind(ctx), ctx.pathParam("namespace"),
                ctx.pathParam("name"));
        String path = ctx.pathParam("path");
        HubService.Download download = hub.download(reading.repo(), ctx.pathParam("commit"), path);
        ctx.header("Content-Disposition", "attachment; filename=\"" + path.substring(path.lastIndexOf('/') + 1)
                .replaceAll("[^A-Za-z0-9._-]", "_") + "\"");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType("application/octet-stream");
        ctx.header("Content-Length", Long.toString(download.entry().size()));
        hub.copy(download, 0, download.entry().size(), ctx.outputStream());
    }

    /** The README rendered ({@code readme_html}), or why it is not shown ({@code readme_note}). */
    private void readme(Console.View view, Repo repo, Commit commit, Map<String, Object> model) {
        Optional<TreeEntry> readme = commit.tree().stream().filter(entry -> entry.path().equals("README.md"))
                .findFirst();
        if (readme.isEmpty()) {
            return;
        }
        try {
            HubService.Reading reading = hub.findForRead(subject(view), repo.kind(), repo.namespace(), repo.name());
            HubService.Download download = hub.download(reading.repo(), commit, "README.md");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            hub.copy(download, 0, Math.min(download.entry().size(), MAX_README), out);
            String text = out.toString(StandardCharsets.UTF_8);
            // the card's front matter is shown as facts above; the rest is the README's text
            if (text.startsWith("---\n")) {
                int end = text.indexOf("\n---", 4);
                text = end < 0 ? text : text.substring(Math.min(text.length(), end + 4)).stripLeading();
            }
            model.put("readme_html", Markdown.html(text, "/console/hub/" + repo.kind().plural() + "/"
                    + repo.fullName() + "/download/" + commit.id() + "/"));
        } catch (IncubatorException e) {
            // gated: the card is visible, the content is not
            model.put("readme_note", view.messages().get("hub.readme_gated"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> row(Repo repo, Messages messages) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", repo.fullName());
        row.put("kind", repo.kind().name().toLowerCase(Locale.ROOT));
        row.put("visibility", messages.get("visibility." + repo.visibility().name().toLowerCase(Locale.ROOT)));
        row.put("gated", repo.visibility() == dev.incubator.hub.repo.Visibility.GATED);
        row.put("license", repo.card().flatMap(card -> card.license()).orElse(messages.get("hub.no_license")));
        row.put("updated", TIME.format(repo.updatedAt()));
        row.put("url", "/console/hub/" + repo.kind().plural() + "/" + repo.fullName());
        return row;
    }

    private static RepoKind kind(Context ctx) {
        return switch (ctx.pathParam("kind")) {
            case "models" -> RepoKind.MODEL;
            case "datasets" -> RepoKind.DATASET;
            default -> throw IncubatorException.notFound("repository", ctx.pathParam("kind"));
        };
    }

    private static Subject subject(Console.View view) {
        return view.caller().principal().subject(view.caller().request());
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
