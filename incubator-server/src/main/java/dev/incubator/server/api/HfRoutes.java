package dev.incubator.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.hub.HubService;
import dev.incubator.hub.HubService.FileOp;
import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.chunk.Hashes;
import dev.incubator.hub.repo.Commit;
import dev.incubator.common.access.Subject;
import dev.incubator.hub.repo.Repo;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Decision;
import dev.incubator.common.access.AccessDenied;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.hub.repo.Visibility;
import dev.incubator.tenancy.Principal;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.tenancy.TenancyService;
import io.javalin.http.Context;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The subset of the Hugging Face Hub HTTP API that the official clients use, so that with {@code HF_ENDPOINT}
 * pointed here they work unchanged: whoami, repository creation and info, tree listing, paths info, preupload,
 * the LFS batch upload flow (basic transfer; upload URLs are signed and short-lived, as the clients send no token
 * with them), NDJSON commits, and {@code resolve} downloads with the headers the clients read.
 */
public final class HfRoutes {
    /** Files this large, or binary, go through LFS; smaller text files travel inline in the commit. */
    private static final long INLINE_LIMIT = 1024 * 1024;
    /** The largest NDJSON commit: inline files are small (larger ones go through LFS or Xet). */
    private static final Duration UPLOAD_URL_LIFETIME = Duration.ofHours(6);
    private static final int TREE_PAGE = 1000;
    private static final String LFS = TenancyRoutes.PREFIX + "/hub/lfs/{repo}/{oid}";

    private final HubService hub;
    private final TenancyService tenancy;
    private final ObjectMapper json;
    private final Clock clock;
    private final byte[] signingKey;

    private final XetRoutes xet;
    private final dev.incubator.hub.xet.XetService xetFiles;

    /** {@code maxCommitBytes}: the largest NDJSON commit, inline files included (server.limits.ndjson-commit). */
    public HfRoutes(HubService hub, TenancyService tenancy, ObjectMapper json, Clock clock, XetRoutes xet,
                    dev.incubator.hub.xet.XetService xetFiles, long maxCommitBytes) {
        this.maxCommitBytes = maxCommitBytes;
        this.xet = xet;
        this.xetFiles = xetFiles;
        this.hub = hub;
        this.tenancy = tenancy;
        this.json = json;
        this.clock = clock;
        this.signingKey = dev.incubator.hub.crypto.Aead.newKey();
    }

    private final long maxCommitBytes;

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>();
        routes.add(ApiRoute.get("/api/whoami-v2", "hfWhoami").tag("huggingface")
                .summary("Hugging Face: who the token belongs to").returns(Raw.class)
                .handle(this::whoami));
        routes.add(ApiRoute.post("/api/repos/create", "hfCreateRepo").tag("huggingface")
                .summary("Hugging Face: create a repository").status(200).notIdempotent().returns(Raw.class)
                .handle(this::createRepo));
        for (String plural : List.of("models", "datasets")) {
            String base = "/api/" + plural + "/{namespace}/{name}";
            String prefix = plural.equals("models") ? "" : "/datasets";
            String op = plural.equals("models") ? "Model" : "Dataset";
            routes.add(ApiRoute.get(base, "hf" + op + "Info").tag("huggingface")
                    .summary("Hugging Face: repository info at main").publicAccess().returns(Raw.class)
                    .handle(call -> info(call, plural, "main")));
            routes.add(ApiRoute.get(base + "/revision/{revision}", "hf" + op + "InfoAtRevision").tag("huggingface")
                    .summary("Hugging Face: repository info at a revision").publicAccess().returns(Raw.class)
                    .handle(call -> info(call, plural, call.path("revision"))));
            routes.add(ApiRoute.get(base + "/tree/{revision}", "hf" + op + "Tree").tag("huggingface")
                    .summary("Hugging Face: list files").publicAccess().returns(Raw.class)
                    .handle(call -> tree(call, plural, "")));
            routes.add(ApiRoute.get(base + "/tree/{revision}/<path>", "hf" + op + "TreePath").tag("huggingface")
                    .summary("Hugging Face: list files under a folder").publicAccess().returns(Raw.class)
                    .handle(call -> tree(call, plural, call.path("path"))));
            routes.add(ApiRoute.post(base + "/paths-info/{revision}", "hf" + op + "PathsInfo").tag("huggingface")
                    .summary("Hugging Face: information on given paths").publicAccess().status(200).notIdempotent()
                    .returns(Raw.class).handle(call -> pathsInfo(call, plural)));
            routes.add(ApiRoute.post(base + "/preupload/{revision}", "hf" + op + "Preupload").tag("huggingface")
                    .summary("Hugging Face: which files go through LFS").status(200).notIdempotent().returns(Raw.class)
                    .handle(call -> preupload(call, plural)));
            routes.add(ApiRoute.post(base + "/commit/{revision}", "hf" + op + "Commit").tag("huggingface")
                    .summary("Hugging Face: commit (NDJSON: header, file, lfsFile, deletedFile)").status(200)
                    .notIdempotent().returns(Raw.class).handle(call -> commit(call, plural)));
            routes.add(ApiRoute.post(prefix + "/{namespace}/{repo}/info/lfs/objects/batch", "hf" + op + "LfsBatch")
                    .tag("huggingface").summary("Git LFS batch API: where to upload large files").status(200)
                    .notIdempotent().returns(Raw.class).handle(call -> lfsBatch(call, plural)));
            routes.add(ApiRoute.get(prefix + "/{namespace}/{name}/resolve/{revision}/<path>", "hf" + op + "Resolve")
                    .tag("huggingface").summary("Hugging Face: download a file").publicAccess().returns(Raw.class)
                    .handle(call -> resolve(call, plural)));
            routes.add(ApiRoute.head(prefix + "/{namespace}/{name}/resolve/{revision}/<path>", "hf" + op
                    + "ResolveHead").tag("huggingface").summary("Hugging Face: a file's commit, ETag and size")
                    .publicAccess().handle(call -> resolve(call, plural)));
            routes.add(ApiRoute.get(prefix + "/{namespace}/{name}/raw/{revision}/<path>", "hf" + op + "Raw")
                    .tag("huggingface").summary("Hugging Face: a file as git stores it (an LFS file's pointer)")
                    .publicAccess().returns(Raw.class).handle(call -> raw(call, plural)));
            routes.add(ApiRoute.head(prefix + "/{namespace}/{name}/raw/{revision}/<path>", "hf" + op + "RawHead")
                    .tag("huggingface").summary("Hugging Face: whether a file exists, as git stores it")
                    .publicAccess().handle(call -> raw(call, plural)));
        }
        routes.add(ApiRoute.get(LFS, "hfLfsDownload").tag("huggingface")
                .summary("LFS download target (the href of a batch download); decided like every read")
                .publicAccess().returns(Raw.class).handle(this::lfsDownload));
        routes.add(ApiRoute.put(LFS, "hfLfsUpload").tag("huggingface")
                .summary("LFS upload target (signed URL from the batch API)").publicAccess().returns(Raw.class)
                .handle(this::lfsUpload));
        routes.add(ApiRoute.post(LFS + "/verify", "hfLfsVerify").tag("huggingface")
                .summary("LFS verify target (signed URL from the batch API)").publicAccess().status(200)
                .notIdempotent().returns(Raw.class).handle(this::lfsVerify));
        return routes;
    }

    // ------------------------------------------------------------------------------------------------ identity

    private Raw whoami(Call call) throws IOException {
        Principal principal = call.principal();
        tenancy.authorize(call.caller(), Action.WHOAMI);
        ObjectNode body = json.createObjectNode();
        body.put("type", "user");
        body.put("id", principal.user().id().value());
        body.put("name", principal.user().name());
        body.put("fullname", principal.user().displayName());
        body.put("email", principal.user().email());
        body.put("emailVerified", true);
        body.put("isPro", false);
        ArrayNode orgs = body.putArray("orgs");
        tenancy.organisationRoles(call.caller()).forEach((name, role) -> orgs.addObject().put("type", "org")
                .put("name", name).put("fullname", name).put("roleInOrg", role == OrgRole.VIEWER ? "read"
                        : role == OrgRole.MEMBER ? "write" : "admin"));
        ObjectNode token = body.putObject("auth").put("type", "access_token").putObject("accessToken");
        token.put("displayName", principal.token().name());
        token.put("role", principal.scopes().contains(Scope.WRITE) ? "write" : "read");
        return jsonRaw(200, body);
    }

    // ---------------------------------------------------------------------------------------------- repositories

    private Raw createRepo(Call call) throws IOException {
        JsonNode body = readJson(call, 1024 * 1024);
        Principal principal = call.principal();
        String name = body.path("name").asText("");
        String namespace = body.path("organization").asText(principal.user().name());
        if (name.contains("/")) {
            namespace = name.substring(0, name.indexOf('/'));
            name = name.substring(name.indexOf('/') + 1);
        }
        RepoKind kind = switch (body.path("type").asText("model")) {
            case "model" -> RepoKind.MODEL;
            case "dataset" -> RepoKind.DATASET;
            default -> throw IncubatorException.validation("type", "must be model or dataset; spaces are not hosted here");
        };
        Visibility visibility = body.hasNonNull("visibility")
                ? HubRoutes.visibility(body.get("visibility").asText())
                : body.path("private").asBoolean(false) ? Visibility.PRIVATE : Visibility.PUBLIC;
        if (body.hasNonNull("visibility") && !body.path("private").isMissingNode()) {
            visibility = HubRoutes.visibility(body.get("visibility").asText());
        }
        if (visibility == Visibility.PRIVATE) {
            // Hugging Face's "private" means the owner's members only: an organisation repository.
            visibility = namespace.equals(principal.user().name()) ? Visibility.PRIVATE : Visibility.ORGANISATION;
        }
        Repo repo;
        try {
            repo = hub.create(Subjects.of(call), kind, namespace, name, visibility);
        } catch (IncubatorException e) {
            if (e.code() != ErrorCode.ALREADY_EXISTS) {
                throw e;
            }
            // As the Hub: 409 with the repository's URL, which clients use for create_repo(exist_ok=True).
            String fullName = namespace + "/" + name;
            call.context().header("X-Error-Message", "You already created this " + kind.name().toLowerCase(Locale.ROOT)
                    + " repo");
            ObjectNode out = json.createObjectNode();
            out.put("error", "You already created this " + kind.name().toLowerCase(Locale.ROOT) + " repo: "
                    + fullName);
            out.put("url", baseUrl(call.context()) + (kind == RepoKind.DATASET ? "/datasets/" : "/") + fullName);
            return jsonRaw(409, out);
        }
        ObjectNode out = json.createObjectNode();
        out.put("url", baseUrl(call.context()) + (kind == RepoKind.DATASET ? "/datasets/" : "/") + repo.fullName());
        out.put("name", repo.fullName());
        out.put("id", repo.id());
        return jsonRaw(200, out);
    }

    private Raw info(Call call, String plural, String revision) throws IOException {
        Repo repo = HfErrors.notFoundAs(call, "RepoNotFound", () -> repo(call, plural, Action.REPO_SEE));
        Commit commit = HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.resolve(repo, revision(revision)));
        boolean blobs = call.query("blobs").map(Boolean::parseBoolean).orElse(false);
        ObjectNode body = infoBody(json, repo, commit, true, blobs);
        body.putObject("lastCommit").put("id", commit.id()).put("title", commit.title())
                .put("date", commit.createdAt().toString());
        return jsonRaw(200, body);
    }

    /** A repository as the Hub describes it in info and listings; {@code siblings} lists its files. */
    static ObjectNode infoBody(ObjectMapper json, Repo repo, Commit commit, boolean siblings, boolean blobs) {
        ObjectNode body = json.createObjectNode();
        body.put("_id", repo.id());
        body.put("id", repo.fullName());
        if (repo.kind() == RepoKind.MODEL) {
            body.put("modelId", repo.fullName());
        }
        body.put("author", repo.namespace());
        body.put("sha", commit.id());
        body.put("lastModified", commit.createdAt().toString());
        body.put("createdAt", repo.createdAt().toString());
        body.put("private", repo.visibility() != Visibility.PUBLIC && repo.visibility() != Visibility.GATED);
        if (repo.visibility() == Visibility.GATED) {
            body.put("gated", "manual");
        } else {
            body.put("gated", false);
        }
        body.put("disabled", false);
        body.put("downloads", 0);
        body.put("likes", 0);
        ArrayNode tags = body.putArray("tags");
        tags(repo).forEach(tags::add);
        repo.card().ifPresent(card -> {
            card.pipelineTag().ifPresent(tag -> body.put("pipeline_tag", tag));
            Object library = card.metadata().get("library_name");
            if (library instanceof String text) {
                body.put("library_name", text);
            }
            body.set("cardData", json.valueToTree(card.metadata()));
        });
        long used = 0;
        ArrayNode files = siblings ? body.putArray("siblings") : null;
        for (TreeEntry entry : commit.tree()) {
            if (files != null) {
                ObjectNode sibling = files.addObject().put("rfilename", entry.path());
                if (blobs) {
                    sibling.put("size", entry.size()).put("blobId", entry.gitOid());
                    if (entry.lfs()) {
                        sibling.putObject("lfs").put("sha256", entry.sha256()).put("size", entry.size())
                                .put("pointerSize", pointerSize(entry));
                    }
                }
            }
            used += entry.size();
        }
        body.put("usedStorage", used);
        return body;
    }

    /** The tags the Hub derives from a card: its tags, license:X, the pipeline tag and the library. */
    static List<String> tags(Repo repo) {
        List<String> tags = new ArrayList<>();
        repo.card().ifPresent(card -> {
            tags.addAll(card.tags());
            card.license().ifPresent(license -> tags.add("license:" + license));
            card.pipelineTag().filter(tag -> !tags.contains(tag)).ifPresent(tags::add);
            if (card.metadata().get("library_name") instanceof String library && !tags.contains(library)) {
                tags.add(library);
            }
        });
        return tags;
    }

    private Raw tree(Call call, String plural, String path) throws IOException {
        Repo repo = HfErrors.notFoundAs(call, "RepoNotFound", () -> repo(call, plural, Action.REPO_SEE));
        Commit commit = HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.resolve(repo, revision(call.path("revision"))));
        boolean recursive = call.query("recursive").map(Boolean::parseBoolean).orElse(false);
        String prefix = path.isEmpty() ? "" : path.endsWith("/") ? path : path + "/";
        TreeMap<String, ObjectNode> items = new TreeMap<>();
        boolean found = path.isEmpty();
        for (TreeEntry entry : commit.tree()) {
            if (!entry.path().startsWith(prefix)) {
                continue;
            }
            found = true;
            String rest = entry.path().substring(prefix.length());
            String[] parts = rest.split("/");
            StringBuilder folder = new StringBuilder(prefix);
            for (int i = 0; i < parts.length - 1 && (recursive || i == 0); i++) {
                folder.append(parts[i]);
                String directory = folder.toString();
                items.computeIfAbsent(directory, key -> json.createObjectNode().put("type", "directory")
                        .put("oid", Hashes.sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 40)).put("size", 0)
                        .put("path", key));
                folder.append('/');
            }
            if (recursive || parts.length == 1) {
                items.put(entry.path(), fileItem(entry));
            }
        }
        if (!found) {
            call.context().header("X-Error-Code", "EntryNotFound");
            throw IncubatorException.notFound("folder", path);
        }
        List<ObjectNode> all = new ArrayList<>(items.values());
        if (call.query("expand").map(Boolean::parseBoolean).orElse(false)) {
            int from = Math.min(treeStart(call), all.size());
            List<ObjectNode> shown = all.subList(from, Math.min(all.size(), from + TREE_PAGE));
            List<String> files = shown.stream().filter(item -> item.path("type").asText().equals("file"))
                    .map(item -> item.path("path").asText()).toList();
            Map<String, Commit> last = hub.lastChanges(repo, commit, files, LAST_COMMIT_DEPTH);
            shown.stream().filter(item -> last.containsKey(item.path("path").asText()))
                    .forEach(item -> lastCommit(item, last.get(item.path("path").asText())));
        }
        int start = treeStart(call);
        int end = Math.min(all.size(), start + TREE_PAGE);
        ArrayNode page = json.createArrayNode();
        all.subList(Math.min(start, all.size()), end).forEach(page::add);
        if (end < all.size()) {
            String url = baseUrl(call.context()) + call.context().path() + "?recursive=" + recursive + "&expand="
                    + call.query("expand").orElse("false") + "&cursor=" + end;
            call.context().header("Link", "<" + url + ">; rel=\"next\"");
        }
        return new Raw(200, "application/json", json.writeValueAsString(page));
    }

    private static int treeStart(Call call) {
        return call.query("cursor").map(value -> {
            try {
                return Math.max(0, Integer.parseInt(value));
            } catch (NumberFormatException e) {
                throw IncubatorException.validation("cursor", "must come from the previous page's Link header");
            }
        }).orElse(0);
    }

    private Raw pathsInfo(Call call, String plural) throws IOException {
        Repo repo = HfErrors.notFoundAs(call, "RepoNotFound", () -> repo(call, plural, Action.REPO_SEE));
        Commit commit = HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.resolve(repo, revision(call.path("revision"))));
        JsonNode body = readJsonOrForm(call);
        Set<String> wanted = new TreeSet<>();
        body.path("paths").forEach(node -> wanted.add(node.asText()));
        ArrayNode out = json.createArrayNode();
        Set<String> folders = new TreeSet<>();
        boolean expand = body.path("expand").asBoolean(false) || call.query("expand").map(Boolean::parseBoolean)
                .orElse(false);
        Map<String, Commit> last = expand ? hub.lastChanges(repo, commit, wanted, LAST_COMMIT_DEPTH) : Map.of();
        for (TreeEntry entry : commit.tree()) {
            if (wanted.contains(entry.path())) {
                ObjectNode item = out.addObject().setAll(fileItem(entry));
                if (expand) {
                    lastCommit(item, last.get(entry.path()));
                }
            }
            for (String path : wanted) {
                if (entry.path().startsWith(path + "/")) {
                    folders.add(path);
                }
            }
        }
        folders.forEach(folder -> out.addObject().put("type", "directory").put("path", folder)
                .put("oid", Hashes.sha256(folder.getBytes(StandardCharsets.UTF_8)).substring(0, 40)).put("size", 0));
        return new Raw(200, "application/json", json.writeValueAsString(out));
    }

    /** How far back a file's last commit is looked for (the oldest commit looked at answers beyond). */
    private static final int LAST_COMMIT_DEPTH = 1000;

    private static void lastCommit(ObjectNode item, Commit commit) {
        item.putObject("lastCommit").put("id", commit.id()).put("title", commit.title())
                .put("date", commit.createdAt().toString());
    }

    private ObjectNode fileItem(TreeEntry entry) {
        ObjectNode item = json.createObjectNode().put("type", "file").put("oid", entry.gitOid())
                .put("size", entry.size()).put("path", entry.path());
        if (entry.lfs()) {
            item.putObject("lfs").put("oid", entry.sha256()).put("size", entry.size())
                    .put("pointerSize", pointerSize(entry));
        }
        return item;
    }

    private static int pointerSize(TreeEntry entry) {
        return HubService.lfsPointer(entry.sha256(), entry.size()).length();
    }

    // --------------------------------------------------------------------------------------------------- uploads

    private Raw preupload(Call call, String plural) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_WRITE);
        refusePullRequest(call);
        JsonNode body = readJson(call, 16 * 1024 * 1024);
        ArrayNode files = json.createArrayNode();
        for (JsonNode file : body.path("files")) {
            long size = file.path("size").asLong(0);
            byte[] sample = base64(file.path("sample").asText(""), "files[].sample");
            boolean binary = false;
            for (byte b : sample) {
                binary |= b == 0;
            }
            files.addObject().put("path", file.path("path").asText()).put("uploadMode",
                    size >= INLINE_LIMIT || binary ? "lfs" : "regular").put("shouldIgnore", false);
        }
        ObjectNode out = json.createObjectNode();
        out.set("files", files);
        try {
            out.put("commitOid", hub.resolve(repo, revision(call.path("revision"))).id());
        } catch (IncubatorException e) {
            out.putNull("commitOid");
        }
        return jsonRaw(200, out);
    }

    private Raw lfsBatch(Call call, String plural) throws IOException {
        String repoSegment = call.path("repo");
        if (!repoSegment.endsWith(".git")) {
            throw IncubatorException.notFound("repository", call.path("namespace") + "/" + repoSegment);
        }
        String name = repoSegment.substring(0, repoSegment.length() - 4);
        RepoKind kind = HubRoutes.kind(plural);
        Subject caller = Subjects.of(call);
        JsonNode body = readJson(call, 16 * 1024 * 1024);
        String operation = body.path("operation").asText("");
        Repo repo = hub.find(caller, kind, call.path("namespace"), name,
                operation.equals("upload") ? Action.REPO_WRITE : Action.REPO_READ);
        ArrayNode objects = json.createArrayNode();
        long expires = clock.instant().plus(UPLOAD_URL_LIFETIME).getEpochSecond();
        Set<String> contents = operation.equals("upload") ? Set.of() : hub.contents(repo);
        // An owner already at its quota is told so here, per object, before anything is sent.
        Optional<String> full = operation.equals("upload") ? hub.chunks().shortOfRoom(hub.charge(repo), 1)
                : Optional.empty();
        for (JsonNode object : body.path("objects")) {
            String oid = object.path("oid").asText("");
            long size = object.path("size").asLong(-1);
            ObjectNode out = objects.addObject().put("oid", oid).put("size", size).put("authenticated", true);
            if (!Hashes.isSha256(oid) || size < 0) {
                out.putObject("error").put("code", 422).put("message", "oid must be a SHA-256 and size a byte count");
                continue;
            }
            if (operation.equals("upload")) {
                Optional<FileManifest> stored = hub.file(repo, oid);
                if (stored.isPresent() && stored.get().size() == size) {
                    continue;
                }
                if (full.isPresent()) {
                    out.putObject("error").put("code", 507).put("message", full.get());
                    continue;
                }
                String query = "?size=" + size + "&expires=" + expires + "&sig=" + sign(repo.id(), oid, size, expires);
                String href = baseUrl(call.context()) + TenancyRoutes.PREFIX + "/hub/lfs/" + repo.id() + "/" + oid;
                ObjectNode actions = out.putObject("actions");
                actions.putObject("upload").put("href", href + query).put("expires_in", UPLOAD_URL_LIFETIME.toSeconds());
                actions.putObject("verify").put("href", href + "/verify" + query)
                        .put("expires_in", UPLOAD_URL_LIFETIME.toSeconds());
            } else if (!contents.contains(oid)) {
                out.putObject("error").put("code", 404).put("message", "object not found");
            } else {
                out.putObject("actions").putObject("download").put("href", baseUrl(call.context())
                        + "/api/v1/hub/lfs/" + repo.id() + "/" + oid);
            }
        }
        boolean offerXet = operation.equals("upload") && java.util.stream.StreamSupport.stream(body.path("transfers")
                .spliterator(), false).anyMatch(node -> node.asText().equals("xet"));
        if (offerXet) {
            // The client speaks Xet: each object still to send is uploaded to the CAS with a write token.
            Map<String, String> headers = xet.uploadHeaders(call.context(), repo);
            String refresh = baseUrl(call.context()) + "/api/" + plural + "/" + repo.fullName() + "/xet-write-token/"
                    + java.net.URLEncoder.encode(body.path("ref").path("name").asText("main"), StandardCharsets.UTF_8);
            for (JsonNode object : objects) {
                if (object.has("actions")) {
                    ObjectNode upload = ((ObjectNode) object).putObject("actions").putObject("upload");
                    upload.put("href", refresh);
                    ObjectNode header = upload.putObject("header");
                    headers.forEach(header::put);
                }
            }
        }
        ObjectNode response = json.createObjectNode().put("transfer", offerXet ? "xet" : "basic");
        response.set("objects", objects);
        return new Raw(200, "application/vnd.git-lfs+json", json.writeValueAsString(response));
    }

    private Streamed lfsDownload(Call call) {
        String id = call.path("repo");
        Repo repo = hub.repoById(id).orElseThrow(() -> IncubatorException.notFound("repository", id));
        Decision decision = hub.access().decide(Subjects.of(call), Action.REPO_READ, repo.resource());
        if (!decision.allowed()) {
            // Worded by id, as for a missing one: the href names the repository by id only.
            throw new AccessDenied(Action.REPO_READ, repo.resource(), decision.denial().filter(ErrorCode.NOT_FOUND::equals)
                    .isPresent() ? Decision.deny(ErrorCode.NOT_FOUND, "repository '" + id + "' not found") : decision);
        }
        HubService.Download download = hub.object(repo, call.path("oid")).orElseThrow(() ->
                IncubatorException.notFound("object", call.path("oid")));
        return Downloads.serve(hub, download, download.entry().sha256(), Downloads.terms(decision));
    }

    private Raw lfsUpload(Call call) throws IOException {
        Repo repo = signedRepo(call);
        String oid = call.path("oid");
        long size = Long.parseLong(call.query("size").orElseThrow());
        FileManifest manifest;
        // At most the size the batch API signed: a longer body is cut off and refused, nothing of it kept.
        HubRoutes.refuseLargerThan(call, size, "this upload URL's object");
        try (InputStream in = new HubRoutes.LimitedStream(call.context().req().getInputStream(), size)) {
            manifest = hub.chunks().ingest(repo.domain(), hub.charge(repo), in);
        }
        if (!manifest.sha256().equals(oid) || manifest.size() != size) {
            throw IncubatorException.validation("(body)", "the uploaded content has SHA-256 " + manifest.sha256() + " and "
                    + manifest.size() + " bytes, not " + oid + " and " + size);
        }
        return new Raw(200, "text/plain", "");
    }

    private Raw lfsVerify(Call call) {
        Repo repo = signedRepo(call);
        String oid = call.path("oid");
        long size = Long.parseLong(call.query("size").orElseThrow());
        FileManifest manifest = hub.file(repo, oid).orElseThrow(() -> IncubatorException.notFound("object", oid));
        if (manifest.size() != size) {
            throw IncubatorException.validation("size", "object " + oid + " has " + manifest.size() + " bytes, not " + size);
        }
        return new Raw(200, "application/vnd.git-lfs+json", "{}");
    }

    /** The repository of a signed upload URL, after checking the signature and expiry. */
    private Repo signedRepo(Call call) {
        String repoId = call.path("repo");
        String oid = call.path("oid");
        long size;
        long expires;
        try {
            size = Long.parseLong(call.query("size").orElse("-1"));
            expires = Long.parseLong(call.query("expires").orElse("0"));
        } catch (NumberFormatException e) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, "the upload URL is malformed; ask the batch API again");
        }
        String signature = call.query("sig").orElse("");
        if (!MessageDigest.isEqual(sign(repoId, oid, size, expires).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, "the upload URL's signature is invalid (or the server "
                    + "restarted since it was issued); ask the batch API again");
        }
        if (clock.instant().getEpochSecond() > expires) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, "the upload URL expired; ask the batch API again");
        }
        return hub.repoById(repoId).orElseThrow(() -> IncubatorException.notFound("repository", repoId));
    }

    private String sign(String repoId, String oid, long size, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            return Hashes.hex(mac.doFinal((repoId + "|" + oid + "|" + size + "|" + expires)
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Pull requests are not served: a commit asked to open one is refused before anything changes, rather than
     * landing on the branch.
     */
    private static void refusePullRequest(Call call) {
        if (call.query("create_pr").filter(value -> !value.equals("0") && !value.equalsIgnoreCase("false"))
                .isPresent()) {
            throw IncubatorException.validation("create_pr", "pull requests are not served by this hub; commit to a"
                    + " branch instead (create_branch, then upload with revision=<branch>) and ask an organisation"
                    + " admin to merge it, or commit to main");
        }
    }

    private Raw commit(Call call, String plural) throws IOException {
        Repo repo = repo(call, plural, Action.REPO_WRITE);
        refusePullRequest(call);
        HubRoutes.refuseLargerThan(call, maxCommitBytes, "a commit (server.limits.ndjson-commit)");
        String branch = revision(call.path("revision"));
        Optional<String> parent = Optional.empty();
        String message = "";
        List<FileOp> operations = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new HubRoutes.LimitedStream(
                call.context().req().getInputStream(), maxCommitBytes), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode item;
                try {
                    item = json.readTree(line);
                } catch (com.fasterxml.jackson.core.JacksonException e) {
                    throw IncubatorException.validation("line " + number, "is not JSON: " + e.getOriginalMessage());
                }
                JsonNode value = item.path("value");
                switch (item.path("key").asText("")) {
                    case "header" -> {
                        message = value.path("summary").asText("");
                        String description = value.path("description").asText("");
                        if (!description.isBlank()) {
                            message = message + "\n\n" + description;
                        }
                        if (value.hasNonNull("parentCommit")) {
                            parent = Optional.of(value.get("parentCommit").asText());
                        }
                    }
                    case "file" -> {
                        String encoding = value.path("encoding").asText("base64");
                        String content = value.path("content").asText("");
                        byte[] bytes = encoding.equals("base64") ? base64(content, "line " + number + ": content")
                                : content.getBytes(StandardCharsets.UTF_8);
                        operations.add(new FileOp.PutBytes(value.path("path").asText(), bytes));
                    }
                    case "lfsFile" -> operations.add(new FileOp.PutStored(value.path("path").asText(),
                            value.path("oid").asText(), value.path("size").asLong(-1), true));
                    case "deletedFile" -> operations.add(new FileOp.Delete(value.path("path").asText()));
                    case "deletedFolder" -> {
                        String folder = value.path("path").asText().replaceAll("/+$", "") + "/";
                        HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.resolve(repo, branch)).tree().stream().filter(entry -> entry.path().startsWith(folder))
                                .forEach(entry -> operations.add(new FileOp.Delete(entry.path())));
                    }
                    default -> throw IncubatorException.validation("line " + number, "has unknown key '"
                            + item.path("key").asText() + "' (header, file, lfsFile, deletedFile, deletedFolder)");
                }
            }
        }
        if (message.isBlank()) {
            message = "Upload " + operations.size() + " file(s)";
        }
        Optional<String> parentCommit = parent;
        String summary = message;
        Commit commit = HfErrors.notFoundAs(call, "RevisionNotFound", () -> {
            try {
                return hub.commit(Subjects.of(call), repo, branch, parentCommit, summary, operations);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ObjectNode out = json.createObjectNode();
        out.put("success", true);
        out.put("commitOid", commit.id());
        out.put("commitUrl", baseUrl(call.context()) + (repo.kind() == RepoKind.DATASET ? "/datasets/" : "/")
                + repo.fullName() + "/commit/" + commit.id());
        out.putNull("pullRequestUrl");
        return jsonRaw(200, out);
    }

    // ------------------------------------------------------------------------------------------------- downloads

    private Streamed resolve(Call call, String plural) {
        HubService.Reading reading = HfErrors.notFoundAs(call, "RepoNotFound", () -> hub.findForRead(Subjects.of(call),
                HubRoutes.kind(plural), call.path("namespace"), call.path("name")));
        Repo repo = reading.repo();
        String revision = revision(call.path("revision"));
        Commit commit = HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.resolve(repo, revision));
        HubService.Download download = HfErrors.notFoundAs(call, "EntryNotFound", () -> hub.download(repo, commit,
                call.path("path")));
        TreeEntry entry = download.entry();
        Map<String, String> headers = new LinkedHashMap<>(Downloads.terms(reading.decision()));
        headers.put("X-Repo-Commit", commit.id());
        if (entry.lfs()) {
            headers.put("X-Linked-Etag", "\"" + entry.sha256() + "\"");
            headers.put("X-Linked-Size", Long.toString(entry.size()));
        }
        Optional<dev.incubator.hub.port.XetIndex.File> xetFile = entry.lfs() ? xetFiles.fileBySha256(repo,
                entry.sha256()) : Optional.empty();
        if (xetFile.isPresent()) {
            // Uploaded through Xet: say how to fetch it that way (hash, token route, reconstruction).
            String casUrl = baseUrl(call.context()) + XetRoutes.CAS;
            String refresh = baseUrl(call.context()) + "/api/" + plural + "/" + repo.fullName() + "/xet-read-token/"
                    + commit.id();
            String reconstruction = casUrl + "/v1/reconstructions/" + xetFile.get().xetHash();
            headers.put("X-Xet-Hash", xetFile.get().xetHash());
            headers.put("X-Xet-Refresh-Route", "/api/" + plural + "/" + repo.fullName() + "/xet-read-token/"
                    + commit.id());
            headers.put("Link", "<" + refresh + ">; rel=\"xet-auth\", <" + reconstruction
                    + ">; rel=\"xet-reconstruction-info\"");
            String accept = Optional.ofNullable(call.context().header("Accept")).orElse("");
            if (accept.contains("application/vnd.xet-fileinfo+json")) {
                headers.put("X-Linked-Size", Long.toString(entry.size()));
                headers.put("ETag", "\"" + entry.sha256() + "\"");
                ObjectNode info = json.createObjectNode().put("hash", xetFile.get().xetHash())
                        .put("refreshUrl", refresh).put("reconstructionUrl", reconstruction)
                        .put("etag", entry.sha256()).put("size", entry.size());
                return context -> {
                    headers.forEach(context::header);
                    context.status(200).contentType("application/vnd.xet-fileinfo+json");
                    context.result(info.toString());
                };
            }
        }
        return Downloads.serve(hub, download, entry.lfs() ? entry.sha256() : entry.gitOid(), headers);
    }

    /** The file as git has it: the bytes of a small file, the pointer text of an LFS one. */
    private Object raw(Call call, String plural) throws IOException {
        HubService.Reading reading = HfErrors.notFoundAs(call, "RepoNotFound", () -> hub.findForRead(Subjects.of(call),
                HubRoutes.kind(plural), call.path("namespace"), call.path("name")));
        Repo repo = reading.repo();
        Commit commit = HfErrors.notFoundAs(call, "RevisionNotFound", () -> hub.resolve(repo, revision(call.path("revision"))));
        HubService.Download download = HfErrors.notFoundAs(call, "EntryNotFound", () -> hub.download(repo, commit,
                call.path("path")));
        if (!download.entry().lfs()) {
            Map<String, String> headers = new LinkedHashMap<>(Downloads.terms(reading.decision()));
            headers.put("X-Repo-Commit", commit.id());
            return Downloads.serve(hub, download, download.entry().gitOid(), headers);
        }
        call.context().header("X-Repo-Commit", commit.id());
        call.context().header("ETag", "\"" + download.entry().gitOid() + "\"");
        Downloads.terms(reading.decision()).forEach(call.context()::header);
        return new Raw(200, "text/plain; charset=utf-8", HubService.lfsPointer(download.entry().sha256(),
                download.entry().size()));
    }

    // --------------------------------------------------------------------------------------------------- helpers

    private Repo repo(Call call, String plural, Action action) {
        return hub.find(Subjects.of(call), HubRoutes.kind(plural), call.path("namespace"), call.path("name"),
                action);
    }

    /**
     * Hugging Face clients say HEAD for the default branch and URL-encode slashes in revisions; the path is decoded
     * once already, so only an escaped slash is decoded again (a literal '%' stays as it is).
     */
    static String revision(String value) {
        String decoded = value.replace("%2F", "/").replace("%2f", "/");
        return decoded.equals("HEAD") ? "main" : decoded;
    }

    private static byte[] base64(String text, String field) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation(field, "is not base64: " + e.getMessage());
        }
    }


    private JsonNode readJson(Call call, long limit) throws IOException {
        try (InputStream in = new HubRoutes.LimitedStream(call.context().req().getInputStream(), limit)) {
            JsonNode node = json.readTree(in);
            if (node == null || !node.isObject()) {
                throw IncubatorException.validation("(body)", "must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the body is not valid JSON: "
                    + e.getOriginalMessage());
        }
    }

    private JsonNode readJsonOrForm(Call call) throws IOException {
        String type = Optional.ofNullable(call.context().contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            ObjectNode node = json.createObjectNode();
            ArrayNode paths = node.putArray("paths");
            call.context().formParams("paths").forEach(paths::add);
            Optional.ofNullable(call.context().formParam("expand")).ifPresent(value -> node.put("expand",
                    Boolean.parseBoolean(value)));
            return node;
        }
        return readJson(call, 16 * 1024 * 1024);
    }

    private Raw jsonRaw(int status, JsonNode body) throws IOException {
        return new Raw(status, "application/json", json.writeValueAsString(body));
    }

    /** The URL clients reached this server by, for links they follow (upload targets, commit URLs). */
    static String baseUrl(Context context) {
        // Forwarded headers are believed only from a configured reverse proxy (server.trusted-proxies).
        boolean trusted = Boolean.TRUE.equals(context.attribute(HttpApi.TRUSTED_PROXY));
        String forwardedProto = trusted ? context.header("X-Forwarded-Proto") : null;
        String scheme = forwardedProto != null && forwardedProto.matches("https?") ? forwardedProto : context.scheme();
        String forwardedHost = trusted ? context.header("X-Forwarded-Host") : null;
        String host = forwardedHost != null && forwardedHost.matches("[A-Za-z0-9.:\\[\\]-]{1,255}") ? forwardedHost
                : context.host();
        return scheme + "://" + host;
    }
}
