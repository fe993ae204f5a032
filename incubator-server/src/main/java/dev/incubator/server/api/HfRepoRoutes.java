package dev.incubator.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.FieldError;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Subject;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Ref;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.Visibility;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Hugging Face routes that manage repositories rather than move files: listing and search, refs, branches,
 * tags, commit history, settings (visibility and gating, mapped onto Incubator's visibility and agreements),
 * rename and transfer, delete, and card validation. Every decision is the hub's, through the access-policy engine.
 */
public final class HfRepoRoutes {
    /** Repositories looked at for one listing: past this a search must be narrowed (author, search). */
    private static final int LIST_SCAN_LIMIT = 20_000;
    private static final int LIST_PAGE = 100;
    private static final int COMMITS_PAGE = 50;
    private static final Set<String> SORTS = Set.of("id", "createdAt", "lastModified", "downloads", "likes",
            "trendingScore");

    private final HubService hub;
    private final ObjectMapper json;

    public HfRepoRoutes(HubService hub, ObjectMapper json) {
        this.hub = hub;
        this.json = json;
    }

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>();
        for (String plural : List.of("models", "datasets")) {
            String base = "/api/" + plural + "/{namespace}/{name}";
            String op = plural.equals("models") ? "Model" : "Dataset";
            routes.add(route(ApiRoute.get("/api/" + plural, "hfList" + op + "s"), "list and search repositories "
                    + "(search, author, filter, sort, direction, limit; Link header for the next page)")
                    .publicAccess().handle(call -> list(call, plural)));
            routes.add(route(ApiRoute.get(base + "/refs", "hf" + op + "Refs"), "branches and tags")
                    .publicAccess().handle(call -> refs(call, plural)));
            routes.add(route(ApiRoute.get(base + "/commits/{revision}", "hf" + op + "Commits"),
                    "commit history of a revision, newest first (Link header for the next page)")
                    .publicAccess().handle(call -> commits(call, plural)));
            routes.add(route(ApiRoute.post(base + "/branch/{branch}", "hf" + op + "CreateBranch"),
                    "create a branch at startingPoint (default main)").status(200).notIdempotent()
                    .handle(call -> createRef(call, plural, call.path("branch"), Ref.Kind.BRANCH)));
            routes.add(route(ApiRoute.delete(base + "/branch/{branch}", "hf" + op + "DeleteBranch"),
                    "delete a branch").handle(call -> deleteRef(call, plural, call.path("branch"), Ref.Kind.BRANCH)));
            routes.add(route(ApiRoute.post(base + "/tag/{revision}", "hf" + op + "CreateTag"),
                    "tag a revision (tags never move)").status(200).notIdempotent()
                    .handle(call -> createTag(call, plural)));
            routes.add(route(ApiRoute.delete(base + "/tag/{tag}", "hf" + op + "DeleteTag"), "delete a tag")
                    .handle(call -> deleteRef(call, plural, call.path("tag"), Ref.Kind.TAG)));
            routes.add(route(ApiRoute.put(base + "/settings", "hf" + op + "Settings"),
                    "visibility (private) and gating (gated: auto/manual is an agreement-gated repository)")
                    .handle(call -> settings(call, plural)));
        }
        routes.add(route(ApiRoute.delete("/api/repos/delete", "hfDeleteRepo"), "delete a repository")
                .handle(this::deleteRepo));
        routes.add(route(ApiRoute.post("/api/repos/move", "hfMoveRepo"), "rename a repository or move it to"
                + " another namespace").status(200).notIdempotent().handle(this::moveRepo));
        routes.add(route(ApiRoute.post("/api/validate-yaml", "hfValidateYaml"),
                "check a README card's metadata with the hub's card rules").status(200).notIdempotent()
                .publicAccess().handle(this::validateYaml));
        return routes;
    }

    private static ApiRoute.Builder route(ApiRoute.Builder builder, String summary) {
        return builder.tag(HfErrors.TAG).summary("Hugging Face: " + summary).returns(Raw.class);
    }

    // ------------------------------------------------------------------------------------------------ listing

    private Raw list(Call call, String plural) throws IOException {
        RepoKind kind = HubRoutes.kind(plural);
        Subject caller = Subjects.of(call);
        Optional<String> author = call.query("author").filter(value -> !value.isBlank());
        Optional<String> search = call.query("search").filter(value -> !value.isBlank());
        List<String> filters = new ArrayList<>(call.context().queryParams("filter"));
        String sort = call.query("sort").orElse("id");
        if (!SORTS.contains(sort)) {
            throw IncubatorException.validation("sort", "must be one of " + String.join(", ", new java.util.TreeSet<>(
                    SORTS)));
        }
        boolean descending = call.query("direction").map(value -> value.equals("-1")).orElse(!sort.equals("id"));
        int limit = positive(call, "limit", Integer.MAX_VALUE);
        int offset = call.query("cursor").map(value -> nonNegative(value, "cursor")).orElse(0);
        boolean full = call.query("full").map(value -> !value.equals("false") && !value.equals("0")).orElse(false)
                || !call.context().queryParams("expand[]").isEmpty() || !call.context().queryParams("expand").isEmpty();

        List<Repo> matches = new ArrayList<>();
        PageRequest page = PageRequest.first(PageRequest.MAX_LIMIT);
        int scanned = 0;
        while (true) {
            Page<Repo> found = hub.list(caller, Optional.of(kind), author, search, page);
            for (Repo repo : found.items()) {
                if (filters.stream().allMatch(filter -> HfRoutes.tags(repo).contains(filter)
                        || filter.equals(repo.fullName()))) {
                    matches.add(repo);
                }
            }
            scanned += found.items().size();
            if (found.nextCursor().isEmpty()) {
                break;
            }
            if (scanned >= LIST_SCAN_LIMIT) {
                throw IncubatorException.validation("search", "matches more than " + LIST_SCAN_LIMIT
                        + " repositories; narrow it with author or search");
            }
            page = PageRequest.parse(Integer.toString(PageRequest.MAX_LIMIT), found.nextCursor().get());
        }
        Comparator<Repo> order = switch (sort) {
            case "createdAt" -> Comparator.comparing(Repo::createdAt);
            case "lastModified" -> Comparator.comparing(Repo::updatedAt);
            default -> Comparator.comparing(Repo::id);
        };
        matches.sort(descending ? order.reversed() : order);
        int end = (int) Math.min(matches.size(), Math.min((long) offset + LIST_PAGE, limit));
        ArrayNode out = json.createArrayNode();
        for (Repo repo : matches.subList(Math.min(offset, end), end)) {
            out.add(HfRoutes.infoBody(json, repo, hub.resolve(repo, "main"), full, false));
        }
        if (end < Math.min(matches.size(), limit)) {
            StringBuilder next = new StringBuilder(HfRoutes.baseUrl(call.context())).append("/api/").append(plural)
                    .append("?cursor=").append(end).append("&sort=").append(sort).append("&direction=")
                    .append(descending ? "-1" : "1");
            author.ifPresent(value -> next.append("&author=").append(encode(value)));
            search.ifPresent(value -> next.append("&search=").append(encode(value)));
            filters.forEach(value -> next.append("&filter=").append(encode(value)));
            if (limit != Integer.MAX_VALUE) {
                next.append("&limit=").append(limit);
            }
            if (full) {
                next.append("&full=true");
            }
            call.context().header("Link", "<" + next + ">; rel=\"next\"");
        }
        return raw(200, out);
    }

    // --------------------------------------------------------------------------------------------- refs, log

    private Raw refs(Call call, String plural) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_SEE);
        ObjectNode out = json.createObjectNode();
        ArrayNode branches = out.putArray("branches");
        out.putArray("converts");
        ArrayNode tags = out.putArray("tags");
        for (Ref ref : hub.refs(repo)) {
            ObjectNode item = (ref.kind() == Ref.Kind.BRANCH ? branches : tags).addObject();
            item.put("name", ref.name()).put("ref", (ref.kind() == Ref.Kind.BRANCH ? "refs/heads/" : "refs/tags/")
                    + ref.name()).put("targetCommit", ref.commitId());
        }
        if (call.query("include_prs").isPresent()) {
            out.putArray("pullRequests");
        }
        return raw(200, out);
    }

    private Raw commits(Call call, String plural) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_READ);
        String revision = HfRoutes.revision(call.path("revision"));
        int limit = Math.min(positive(call, "limit", COMMITS_PAGE), PageRequest.MAX_LIMIT);
        Page<Commit> page = HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.log(repo, revision,
                PageRequest.parse(Integer.toString(limit), call.query("cursor").orElse(null))));
        ArrayNode out = json.createArrayNode();
        for (Commit commit : page.items()) {
            ObjectNode item = out.addObject().put("id", commit.id()).put("title", commit.title())
                    .put("message", commit.message().contains("\n\n") ? commit.message().substring(
                            commit.message().indexOf("\n\n") + 2) : "").put("date", commit.createdAt().toString());
            item.putArray("authors").addObject().put("user", commit.author());
        }
        page.nextCursor().ifPresent(cursor -> call.context().header("Link", "<" + HfRoutes.baseUrl(call.context())
                + call.context().path() + "?limit=" + limit + "&cursor=" + encode(cursor) + ">; rel=\"next\""));
        return raw(200, out);
    }

    private Raw createRef(Call call, String plural, String encodedName, Ref.Kind kind) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_WRITE);
        JsonNode body = body(call);
        String from = body.hasNonNull("startingPoint") ? body.get("startingPoint").asText() : "main";
        String name = HfRoutes.revision(encodedName);
        if (body.path("emptyBranch").asBoolean(false)) {
            throw IncubatorException.validation("emptyBranch", "branches without history are not served; create the"
                    + " branch from a revision (startingPoint) and delete what it should not have");
        }
        boolean overwrite = body.path("overwrite").asBoolean(false);
        HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.createRef(Subjects.of(call), repo, name, kind, from, overwrite));
        return raw(200, json.createObjectNode());
    }

    private Raw createTag(Call call, String plural) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_WRITE);
        JsonNode body = body(call);
        if (!body.path("tag").isTextual() || body.path("tag").asText().isBlank()) {
            throw IncubatorException.validation("tag", "is required: the name of the tag, e.g. v1.0");
        }
        String revision = HfRoutes.revision(call.path("revision"));
        HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.createRef(Subjects.of(call), repo, body.get("tag").asText(),
                Ref.Kind.TAG, revision));
        return raw(200, json.createObjectNode());
    }

    private Raw deleteRef(Call call, String plural, String encodedName, Ref.Kind kind) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_WRITE);
        String name = HfRoutes.revision(encodedName);
        HfErrors.notFoundAs(call, "RevisionNotFound", () -> {
            hub.deleteRef(Subjects.of(call), repo, name, Optional.of(kind));
            return null;
        });
        return raw(200, json.createObjectNode());
    }

    // --------------------------------------------------------------------------------------------- settings

    /**
     * {@code private} (0.x) or {@code visibility} (1.x) and {@code gated}. A gated repository is one anyone signed
     * in sees and reads under an approved data-use agreement: gating "auto" and "manual" both map onto it, as
     * Incubator's agreements are always decided by the owning organisation.
     */
    private Raw settings(Call call, String plural) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_ADMIN);
        JsonNode body = body(call);
        Optional<Boolean> makePrivate = body.hasNonNull("visibility")
                ? Optional.of(!body.get("visibility").asText().equals("public"))
                : body.hasNonNull("private") ? Optional.of(body.get("private").asBoolean()) : Optional.empty();
        Optional<Boolean> gated = Optional.empty();
        if (body.has("gated")) {
            JsonNode value = body.get("gated");
            if (value.isBoolean() && !value.asBoolean()) {
                gated = Optional.of(false);
            } else if (value.isTextual() && List.of("auto", "manual").contains(value.asText())) {
                gated = Optional.of(true);
            } else {
                throw IncubatorException.validation("gated", "must be \"auto\", \"manual\" or false");
            }
        }
        if (makePrivate.isEmpty() && gated.isEmpty()) {
            throw IncubatorException.validation("(body)", "set private (or visibility) and/or gated");
        }
        boolean nowGated = gated.orElse(repo.visibility() == Visibility.GATED);
        boolean nowPrivate = makePrivate.orElse(repo.visibility() != Visibility.PUBLIC
                && repo.visibility() != Visibility.GATED);
        if (nowGated && nowPrivate) {
            throw IncubatorException.validation("gated", "a gated repository is visible to everyone and read under "
                    + "an agreement; it can not also be private (set private to false, or gated to false)");
        }
        Visibility target = nowGated ? Visibility.GATED : !nowPrivate ? Visibility.PUBLIC
                : repo.visibility() == Visibility.PRIVATE || repo.owner().kind() == Repo.OwnerKind.USER
                ? Visibility.PRIVATE : Visibility.ORGANISATION;
        if (target != repo.visibility()) {
            hub.changeVisibility(Subjects.of(call), repo.kind(), repo.namespace(), repo.name(), target,
                    Optional.empty());
        }
        return raw(200, json.createObjectNode().put("private", nowPrivate).put("gated", nowGated ? "manual" : "false"));
    }

    private Raw deleteRepo(Call call) throws IOException {
        JsonNode body = body(call);
        RepoKind kind = kindOf(body);
        String[] name = fullName(call, body.path("organization").asText(""), body.path("name").asText(""), "name");
        HfErrors.notFoundAs(call, "RepoNotFound", () -> {
            hub.delete(Subjects.of(call), kind, name[0], name[1]);
            return null;
        });
        return raw(200, json.createObjectNode());
    }

    private Raw moveRepo(Call call) throws IOException {
        JsonNode body = body(call);
        RepoKind kind = kindOf(body);
        String[] from = split(body.path("fromRepo").asText(""), "fromRepo");
        String[] to = split(body.path("toRepo").asText(""), "toRepo");
        Repo repo = HfErrors.notFoundAs(call, "RepoNotFound", () -> hub.find(Subjects.of(call), kind, from[0], from[1],
                Action.REPO_ADMIN));
        Repo moved = hub.move(Subjects.of(call), repo, to[0], to[1]);
        return raw(200, json.createObjectNode().put("url", HfRoutes.baseUrl(call.context())
                + (kind == RepoKind.DATASET ? "/datasets/" : "/") + moved.fullName()));
    }

    /** 200 with no errors, or 400 with each problem of the card, as the Hub answers. */
    private Raw validateYaml(Call call) throws IOException {
        JsonNode body = body(call);
        if (!body.path("content").isTextual()) {
            throw IncubatorException.validation("content", "is required: the README.md text to check");
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode errors = out.putArray("errors");
        ArrayNode warnings = out.putArray("warnings");
        try {
            Optional<Card> card = Card.parse(body.get("content").asText());
            if (card.isEmpty()) {
                warnings.addObject().put("message", "the README has no metadata (YAML front matter between '---'"
                        + " lines); add at least a license");
            }
        } catch (IncubatorException e) {
            for (FieldError error : e.fieldErrors()) {
                errors.addObject().put("message", error.field() + ": " + error.message());
            }
            if (e.fieldErrors().isEmpty()) {
                errors.addObject().put("message", e.getMessage());
            }
            call.context().header("X-Error-Message", "Invalid metadata in README.md");
            out.put("error", "Invalid metadata in README.md");
            return raw(400, out);
        }
        return raw(200, out);
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private Repo repo(Call call, String plural, Action action) {
        return HfErrors.notFoundAs(call, "RepoNotFound", () -> hub.find(Subjects.of(call), HubRoutes.kind(plural),
                call.path("namespace"), call.path("name"), action));
    }

    private static RepoKind kindOf(JsonNode body) {
        return switch (body.path("type").asText("model")) {
            case "model" -> RepoKind.MODEL;
            case "dataset" -> RepoKind.DATASET;
            default -> throw IncubatorException.validation("type", "must be model or dataset; spaces are not hosted"
                    + " here");
        };
    }

    /** {@code organization} and {@code name} of a delete, where the name may carry the namespace itself. */
    private static String[] fullName(Call call, String organization, String name, String field) {
        if (name.contains("/")) {
            return split(name, field);
        }
        String namespace = organization.isBlank() ? call.principal().user().name() : organization;
        if (name.isBlank()) {
            throw IncubatorException.validation(field, "is required: the repository's name");
        }
        return new String[] {namespace, name};
    }

    private static String[] split(String fullName, String field) {
        String[] parts = fullName.split("/", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw IncubatorException.validation(field, "must be NAMESPACE/NAME, not '" + fullName + "'");
        }
        return parts;
    }


    private JsonNode body(Call call) throws IOException {
        try (InputStream in = new HubRoutes.LimitedStream(call.context().req().getInputStream(), 1024 * 1024)) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length == 0) {
                return json.createObjectNode();
            }
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw IncubatorException.validation("(body)", "must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the body is not valid JSON: "
                    + e.getOriginalMessage());
        }
    }

    private static int positive(Call call, String name, int absent) {
        return call.query(name).map(value -> {
            int parsed = nonNegative(value, name);
            if (parsed < 1) {
                throw IncubatorException.validation(name, "must be a positive integer");
            }
            return parsed;
        }).orElse(absent);
    }

    private static int nonNegative(String value, String name) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw IncubatorException.validation(name, "must be a non-negative integer, not '" + value + "'");
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Raw raw(int status, JsonNode body) throws IOException {
        return new Raw(status, "application/json", json.writeValueAsString(body));
    }
}
