package dev.incubator.server.api;

import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Violations;
import dev.incubator.hub.HubService;
import dev.incubator.hub.HubService.FileOp;
import dev.incubator.hub.chunk.ChunkStore;
import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Commit;
import dev.incubator.common.access.Subject;
import dev.incubator.hub.repo.Repo;
import dev.incubator.common.access.Action;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.hub.repo.Visibility;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.tenancy.TenancyService;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The hub's native API: repositories, chunk negotiation and upload, commits, trees, logs, diffs, downloads with
 * Range and ETag, and the operator's fsck and garbage collection.
 */
public final class HubRoutes {
    static final String REPOS = TenancyRoutes.PREFIX + "/repos";
    static final String REPO = REPOS + "/{kind}/{namespace}/{name}";
    private static final BodySpec CREATE = BodySpec.named("CreateRepository")
            .requiredEnum("kind", List.of("model", "dataset"), "what the repository holds")
            .required("namespace", STRING, "organisation or user that owns it, e.g. 'deep-lab'")
            .required("name", STRING, "repository name, e.g. 'qwen-7b-med'")
            .optionalEnum("visibility", List.of("public", "organisation", "private", "gated"),
                    "who may read it (default organisation for an organisation, private for a user)")
            .build();
    private static final BodySpec UPDATE = BodySpec.named("UpdateRepository")
            .optionalEnum("visibility", List.of("public", "organisation", "private", "gated"), "who may read it")
            .build();
    private static final BodySpec CREATE_REF = BodySpec.named("CreateRef")
            .required("name", STRING, "branch or tag name, e.g. 'v1.0'")
            .requiredEnum("kind", List.of("branch", "tag"), "a branch moves with pushes; a tag never moves")
            .optional("revision", STRING, "where it points: a branch, tag or commit (default main)")
            .build();
    private static final BodySpec MISSING = BodySpec.named("MissingChunks")
            .required("chunks", STRING_LIST, "SHA-256 of each chunk the client would send")
            .build();

    private final HubService hub;
    private final TenancyService tenancy;
    private final ObjectMapper json;
    private final Duration gcGrace;
    private final long maxCommitBytes;

    /**
     * {@code maxCommitBytes}: the largest JSON commit (a commit lists every chunk of every file: the default 32 MiB
     * holds about 400,000 chunk references, some 25 GiB of new files); the CLI splits larger pushes.
     */
    public HubRoutes(HubService hub, TenancyService tenancy, ObjectMapper json, Duration gcGrace, long maxCommitBytes) {
        this.hub = hub;
        this.tenancy = tenancy;
        this.json = json;
        this.gcGrace = gcGrace;
        this.maxCommitBytes = maxCommitBytes;
    }

    public record CardView(Optional<String> license, List<String> language, List<String> tags, List<String> baseModel,
                           List<String> datasets, Optional<String> pipelineTag) {
        static CardView of(Card card) {
            return new CardView(card.license(), card.language(), card.tags(), card.baseModel(), card.datasets(),
                    card.pipelineTag());
        }
    }

    public record RepoView(String id, String kind, String namespace, String name, String fullName, String visibility,
                           Instant createdAt, Instant updatedAt, Optional<CardView> card, long version)
            implements Versioned {
        static RepoView of(Repo repo) {
            return new RepoView(repo.id(), HubService.wire(repo.kind()), repo.namespace(), repo.name(), repo.fullName(),
                    HubService.wire(repo.visibility()), repo.createdAt(), repo.updatedAt(), repo.card().map(CardView::of),
                    repo.version());
        }
    }

    public record RefView(String name, String kind, String commit) {
    }

    public record RepoDetailView(RepoView repository, List<RefView> refs) {
    }

    public record CommitView(String id, List<String> parents, String author, String message, Instant createdAt,
                             int files) {
        static CommitView of(Commit commit) {
            return new CommitView(commit.id(), commit.parents(), commit.author(), commit.message(), commit.createdAt(),
                    commit.tree().size());
        }
    }

    public record FileView(String path, long size, String sha256, boolean lfs) {
        static FileView of(TreeEntry entry) {
            return new FileView(entry.path(), entry.size(), entry.sha256(), entry.lfs());
        }
    }

    public record TreeView(String commit, long totalBytes, List<FileView> files) {
    }

    public record ChangeView(String path, String kind, Optional<FileView> before, Optional<FileView> after) {
    }

    public record DiffView(String from, String to, List<ChangeView> changes) {
    }

    public record MissingView(List<String> missing) {
    }

    public record ReceivedView(int newChunks) {
    }

    public record ProblemView(String object, String detail) {
    }

    public record FsckView(boolean clean, int packs, int repositories, int commits, int files, long bytesChecked,
                           List<ProblemView> problems, List<String> unreferenced) {
    }

    public record GcView(int files, int chunks, int packsDeleted, int packsRewritten, long bytesFreed) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post(REPOS, "createRepository").tag("hub").summary("Create a model or dataset repository")
                        .body(CREATE).returns(RepoView.class)
                        .handle(call -> {
                            var body = call.body(CREATE);
                            Subject caller = Subjects.of(call);
                            Visibility visibility = body.optionalString("visibility").map(HubRoutes::visibility)
                                    .orElse(Visibility.ORGANISATION);
                            return RepoView.of(hub.create(caller, kind(body.string("kind")), body.string("namespace"),
                                    body.string("name"), visibility));
                        }),
                ApiRoute.get(REPOS, "listRepositories").tag("hub")
                        .summary("Repositories you may see; search matches names, licences, languages, tags,"
                                + " base models and datasets")
                        .publicAccess()
                        .query("kind", "model or dataset").query("namespace", "owner name")
                        .query("search", "text to look for").pageOf(RepoView.class)
                        .handle(call -> PageView.of(hub.list(Subjects.of(call), call.query("kind")
                                        .map(HubRoutes::kind), call.query("namespace"), call.query("search"), call.page()),
                                RepoView::of)),
                ApiRoute.get(REPO, "getRepository").tag("hub").summary("A repository with its branches and tags")
                        .publicAccess().returns(RepoDetailView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_SEE);
                            return new RepoDetailView(RepoView.of(repo), hub.refs(repo).stream().map(ref ->
                                    new RefView(ref.name(), HubService.wire(ref.kind()), ref.commitId())).toList());
                        }),
                ApiRoute.patch(REPO, "updateRepository").tag("hub").summary("Change a repository's visibility (admin)")
                        .body(UPDATE).returns(RepoView.class)
                        .handle(call -> {
                            var body = call.body(UPDATE);
                            Repo repo = repo(call, Action.REPO_ADMIN);
                            Visibility visibility = body.optionalString("visibility").map(HubRoutes::visibility)
                                    .orElse(repo.visibility());
                            return RepoView.of(hub.changeVisibility(Subjects.of(call), repo.kind(), repo.namespace(),
                                    repo.name(), visibility, call.ifMatch()));
                        }),
                ApiRoute.delete(REPO, "deleteRepository").tag("hub")
                        .summary("Delete a repository; its content is removed by the next garbage collection")
                        .status(204)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_ADMIN);
                            hub.delete(Subjects.of(call), repo.kind(), repo.namespace(), repo.name());
                            return null;
                        }),
                ApiRoute.post(REPO + "/refs", "createRef").tag("hub").summary("Create a branch or a tag")
                        .body(CREATE_REF).returns(RefView.class)
                        .handle(call -> {
                            var body = call.body(CREATE_REF);
                            Repo repo = repo(call, Action.REPO_WRITE);
                            var ref = hub.createRef(Subjects.of(call), repo, body.string("name"),
                                    body.string("kind").equals("tag") ? dev.incubator.hub.repo.Ref.Kind.TAG
                                            : dev.incubator.hub.repo.Ref.Kind.BRANCH,
                                    body.optionalString("revision").orElse("main"));
                            return new RefView(ref.name(), HubService.wire(ref.kind()), ref.commitId());
                        }),
                ApiRoute.delete(REPO + "/refs/{ref}", "deleteRef").tag("hub")
                        .summary("Delete a branch or a tag (not main)").status(204)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_WRITE);
                            hub.deleteRef(Subjects.of(call), repo, call.path("ref"));
                            return null;
                        }),
                ApiRoute.delete(TenancyRoutes.PREFIX + "/orgs/{org}/hub-key", "shredOrganisationKey").tag("hub")
                        .summary("Delete the organisation's hub data key: its private content becomes unreadable "
                                + "for good (operator; ?confirm=<org> required)")
                        .query("confirm", "the organisation's name, to confirm").status(204)
                        .handle(call -> {
                            var org = tenancy.authorize(call.caller(), call.path("org"), Action.HUB_KEY_SHRED);
                            if (!call.query("confirm").orElse("").equals(org.name())) {
                                throw IncubatorException.validation("confirm", "must repeat the organisation's name: "
                                        + "this destroys every private file of '" + org.name() + "' for good");
                            }
                            hub.shredOrganisation(Subjects.of(call), org.id().value(), org.name());
                            return null;
                        }),
                ApiRoute.get(REPO + "/commits", "listCommits").tag("hub").summary("Commit log, newest first")
                        .publicAccess().query("revision", "branch, tag or commit (default main)").pageOf(CommitView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_SEE);
                            return PageView.of(hub.log(repo, call.query("revision").orElse("main"), call.page()),
                                    CommitView::of);
                        }),
                ApiRoute.get(REPO + "/tree/{revision}", "getTree").tag("hub").summary("Every file of a revision")
                        .publicAccess().returns(TreeView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_SEE);
                            Commit commit = hub.resolve(repo, call.path("revision"));
                            return new TreeView(commit.id(), commit.tree().stream().mapToLong(TreeEntry::size).sum(),
                                    commit.tree().stream().map(FileView::of).toList());
                        }),
                ApiRoute.get(REPO + "/diff", "diffRevisions").tag("hub")
                        .summary("Files added, removed and modified between two revisions")
                        .publicAccess().query("from", "older revision").query("to", "newer revision (default main)")
                        .returns(DiffView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_SEE);
                            String from = call.query("from").orElseThrow(() -> IncubatorException.validation("from",
                                    "is required: the revision to compare from, e.g. a commit id or tag"));
                            String to = call.query("to").orElse("main");
                            return new DiffView(hub.resolve(repo, from).id(), hub.resolve(repo, to).id(),
                                    hub.diff(repo, from, to).stream().map(change -> new ChangeView(change.path(),
                                            change.kind(), change.before().map(FileView::of),
                                            change.after().map(FileView::of))).toList());
                        }),
                ApiRoute.post(REPO + "/chunks/missing", "missingChunks").tag("hub")
                        .summary("Which of these chunks the repository's store lacks (send only those)")
                        .status(200).body(MISSING).returns(MissingView.class)
                        .handle(call -> {
                            List<String> hashes = call.body(MISSING).strings("chunks");
                            Repo repo = repo(call, Action.REPO_WRITE);
                            return new MissingView(List.copyOf(hub.missingChunks(Subjects.of(call), repo, hashes)));
                        }),
                ApiRoute.post(REPO + "/chunks", "uploadChunks").tag("hub")
                        .summary("Upload chunks (application/octet-stream: per chunk its 32-byte SHA-256, a 4-byte"
                                + " big-endian length and the bytes)")
                        .status(200).notIdempotent().returns(ReceivedView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_WRITE);
                            try (InputStream in = call.context().req().getInputStream()) {
                                return new ReceivedView(hub.receiveChunks(Subjects.of(call), repo, in));
                            }
                        }),
                ApiRoute.post(REPO + "/commits", "createCommit").tag("hub")
                        .summary("Commit files whose chunks were uploaded; 'parent' makes it a compare-and-set; a branch that"
                                + " does not exist is refused unless 'create_branch' (it then starts at main)")
                        .notIdempotent().returns(CommitView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_WRITE);
                            return CommitView.of(commit(call, repo));
                        }),
                ApiRoute.get(REPO + "/files/{revision}/<path>", "downloadFile").tag("hub")
                        .summary("A file's bytes; supports Range and If-None-Match (ETag: its SHA-256)")
                        .publicAccess().returns(Raw.class)
                        .handle(call -> download(call)),
                ApiRoute.head(REPO + "/files/{revision}/<path>", "fileInfo").tag("hub")
                        .summary("A file's size, SHA-256 ETag and commit, without the bytes").publicAccess()
                        .handle(call -> download(call)),
                ApiRoute.post(TenancyRoutes.PREFIX + "/hub/fsck", "hubFsck").tag("hub")
                        .summary("Check every pack, chunk, file and reference (operator); may take long")
                        .status(200).notIdempotent().returns(FsckView.class)
                        .handle(call -> {
                            requireOperator(call);
                            long[] bytes = {0};
                            HubService.FsckReport report = hub.fsck(read -> bytes[0] += read);
                            return new FsckView(report.clean(), report.packs(), report.repositories(), report.commits(),
                                    report.files(), bytes[0], report.problems().stream().map(problem ->
                                    new ProblemView(problem.object(), problem.detail())).toList(),
                                    report.unreferenced());
                        }),
                ApiRoute.post(TenancyRoutes.PREFIX + "/hub/gc", "hubGc").tag("hub")
                        .summary("Remove content no commit needs, sparing uploads within the grace period (operator)")
                        .status(200).notIdempotent().returns(GcView.class)
                        .handle(call -> {
                            requireOperator(call);
                            ChunkStore.Collected collected = hub.collectGarbage(gcGrace);
                            return new GcView(collected.files(), collected.chunks(), collected.packsDeleted(),
                                    collected.packsRewritten(), collected.bytesFreed());
                        }));
    }

    private void requireOperator(Call call) {
        tenancy.authorize(call.caller(), Action.ORG_CREATE);
    }

    private Repo repo(Call call, Action action) {
        return hub.find(Subjects.of(call), kind(call.path("kind")), call.path("namespace"), call.path("name"),
                action);
    }

    private Streamed download(Call call) {
        HubService.Reading reading = hub.findForRead(Subjects.of(call), kind(call.path("kind")),
                call.path("namespace"), call.path("name"));
        HubService.Download download = hub.download(reading.repo(), call.path("revision"), call.path("path"));
        Map<String, String> headers = new java.util.LinkedHashMap<>(Downloads.terms(reading.decision()));
        headers.put("X-Commit", download.commit().id());
        headers.put("X-Sha256", download.entry().sha256());
        return Downloads.serve(hub, download, download.entry().sha256(), headers);
    }

    private Commit commit(Call call, Repo repo) throws IOException {
        String type = Optional.ofNullable(call.context().contentType()).orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new IncubatorException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the commit as JSON with "
                    + "'Content-Type: application/json'");
        }
        JsonNode body;
        refuseLargerThan(call, maxCommitBytes, "a JSON commit (server.limits.json-commit)");
        try (InputStream in = new LimitedStream(call.context().req().getInputStream(), maxCommitBytes)) {
            body = json.readTree(in);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the commit is not valid JSON: "
                    + e.getOriginalMessage());
        }
        Violations violations = new Violations();
        if (body == null || !body.isObject()) {
            throw IncubatorException.validation("(body)", "must be a JSON object with branch, message and files");
        }
        String branch = body.path("branch").asText("main");
        String message = body.path("message").asText("");
        Optional<String> parent = body.hasNonNull("parent") ? Optional.of(body.get("parent").asText())
                : Optional.empty();
        List<FileOp> operations = new ArrayList<>();
        JsonNode files = body.path("files");
        violations.check(files.isArray(), "files", "must be a list of {path, sha256, size, chunks} or {path, delete}");
        for (int i = 0; files.isArray() && i < files.size(); i++) {
            JsonNode file = files.get(i);
            String path = file.path("path").asText("");
            if (file.path("delete").asBoolean(false)) {
                operations.add(new FileOp.Delete(path));
                continue;
            }
            JsonNode chunks = file.path("chunks");
            if (!file.path("sha256").isTextual() || !file.path("size").canConvertToLong() || !chunks.isArray()) {
                violations.add("files[" + i + "]", "needs path, sha256, size and chunks ([[sha256, length], ...])");
                continue;
            }
            List<FileManifest.ChunkRef> refs = new ArrayList<>(chunks.size());
            for (JsonNode chunk : chunks) {
                if (!chunk.isArray() || chunk.size() != 2 || !chunk.get(0).isTextual() || !chunk.get(1).canConvertToInt()
                        || chunk.get(1).asInt() <= 0) {
                    violations.add("files[" + i + "].chunks", "each chunk must be [sha256, length]");
                    break;
                }
                refs.add(new FileManifest.ChunkRef(chunk.get(0).asText(), chunk.get(1).asInt()));
            }
            operations.add(new FileOp.Put(path, file.get("sha256").asText(), file.get("size").asLong(), refs));
        }
        violations.throwIfAny();
        return hub.commit(Subjects.of(call), repo, branch, body.path("create_branch").asBoolean(false), parent,
                message, operations);
    }

    static RepoKind kind(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "model", "models" -> RepoKind.MODEL;
            case "dataset", "datasets" -> RepoKind.DATASET;
            default -> throw IncubatorException.validation("kind", "must be model or dataset, not '" + value + "'");
        };
    }

    static Visibility visibility(String value) {
        try {
            return Visibility.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation("visibility", "must be public, organisation, private or gated, not '"
                    + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'");
        }
    }

    /** A 413 before anything is read when the declared body is over the limit. */
    static void refuseLargerThan(Call call, long limit, String what) {
        long declared = call.context().req().getContentLengthLong();
        if (declared > limit) {
            throw new IncubatorException(ErrorCode.PAYLOAD_TOO_LARGE, what + " may have at most " + limit + " bytes ("
                    + dev.incubator.common.ByteSize.format(limit) + "); this one declares " + declared
                    + " (split it, or send large files through their upload route)");
        }
    }

    /** Fails a body longer than its limit instead of reading it all. */
    static final class LimitedStream extends java.io.FilterInputStream {
        private final long limit;
        private long left;

        LimitedStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
            this.left = limit;
        }

        private IncubatorException tooLarge() {
            return new IncubatorException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is longer than the "
                    + limit + " bytes (" + dev.incubator.common.ByteSize.format(limit) + ") allowed here");
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                throw tooLarge();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0 && (left -= n) < 0) {
                throw tooLarge();
            }
            return n;
        }
    }

}
