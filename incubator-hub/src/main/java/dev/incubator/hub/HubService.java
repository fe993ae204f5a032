package dev.incubator.hub;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.Violations;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Decision;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Subject;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.hub.chunk.ChunkStore;
import dev.incubator.hub.chunk.CorruptDataException;
import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.chunk.Hashes;
import dev.incubator.hub.port.HubStore;
import dev.incubator.hub.port.PublishGate;
import dev.incubator.hub.port.RepoRepository;
import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Ref;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.hub.repo.Visibility;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Model and dataset repositories over the chunk store: create, list and search, push (chunk negotiation, then a
 * commit that moves a branch by compare-and-set), resolve revisions, trees, logs, diffs and verified reads.
 */
public final class HubService {
    public static final String PUBLIC_DOMAIN = "public";
    /** Files at least this large are presented to Hugging Face clients as LFS files. */
    public static final long LFS_THRESHOLD = 10L * 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{7,40}");
    private static final Pattern REF_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,199}");
    private static final int MAX_PATH = 1000;
    private static final Set<String> RESERVED = Set.of("api", "datasets", "models", "spaces", "buckets");

    /** Resolves a namespace (an organisation or a user name) to its owner. */
    @FunctionalInterface
    public interface Namespaces {
        Optional<Repo.Owner> resolve(String namespace);
    }

    private final HubStore store;
    private final ChunkStore chunks;
    private final Namespaces namespaces;
    private final Clock clock;
    private final AccessControl access;
    private final PublishGate publishGate;
    private final StorageQuotas quotas;

    /** The storage quotas of owners an operator set none for: each organisation's and each user's. */
    public record StorageQuotas(long organisationBytes, long userBytes) {
        /** No quota at all (tests of other behaviour). */
        public static final StorageQuotas NONE = new StorageQuotas(dev.incubator.hub.chunk.Charge.UNLIMITED,
                dev.incubator.hub.chunk.Charge.UNLIMITED);

        public long forOwner(Repo.OwnerKind kind) {
            return kind == Repo.OwnerKind.ORGANISATION ? organisationBytes : userBytes;
        }
    }

    /**
     * {@code access} decides every access (roles, visibility, data-use agreements); {@code publishGate} whether
     * content may be published given what it derives from; {@code quotas} how much an owner may store by default.
     */
    public HubService(HubStore store, ChunkStore chunks, Namespaces namespaces, Clock clock, AccessControl access,
                      PublishGate publishGate, StorageQuotas quotas) {
        this.store = store;
        this.chunks = chunks;
        this.namespaces = namespaces;
        this.clock = clock;
        this.access = access;
        this.publishGate = publishGate;
        this.quotas = quotas;
    }

    /** A repository by kind and name, without an access check (lineage lookups inside the platform). */
    public Optional<Repo> lookup(RepoKind kind, String namespace, String name) {
        return store.read(repositories -> repositories.repos().find(kind, namespace, name));
    }

    public ChunkStore chunks() {
        return chunks;
    }

    /** The metadata store, for protocols served over the same content (Xet). */
    public HubStore store() {
        return store;
    }

    public AccessControl access() {
        return access;
    }

    // ---------------------------------------------------------------------------------------------- repositories

    public Repo create(Subject caller, RepoKind kind, String namespace, String name, Visibility visibility) {
        Violations violations = new Violations();
        violations.check(NAME.matcher(namespace).matches(), "namespace", "must be an organisation or user name");
        violations.check(NAME.matcher(name).matches() && !name.endsWith(".git") && !name.contains(".."), "name",
                "must be 1-96 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. 'qwen-7b-med'");
        violations.check(!RESERVED.contains(namespace.toLowerCase(Locale.ROOT)), "namespace", "'" + namespace
                + "' is reserved for the API's own paths");
        violations.throwIfAny();
        Repo.Owner owner = namespaces.resolve(namespace).orElseThrow(() -> new IncubatorException(ErrorCode.NOT_FOUND,
                "namespace '" + namespace + "' not found"));
        access.check(caller, Action.REPO_CREATE, new Resource.Namespace(namespace,
                Resource.OwnerKind.valueOf(owner.kind().name()), owner.id()));
        Instant now = clock.instant();
        String id = dev.incubator.common.Ids.next("repo", clock);
        Repo repo = new Repo(id, kind, namespace, name, owner, visibility, domainFor(owner, visibility, id),
                caller.userId().orElse(caller.actor()), now, now, Optional.empty(), 1);
        Commit initial = commitOf(repo.id(), List.of(), caller.actor(), "initial commit", now, List.of());
        return store.write(repositories -> {
            if (repositories.repos().find(kind, namespace, name).isPresent()) {
                throw new IncubatorException(ErrorCode.ALREADY_EXISTS, kind.name().toLowerCase(Locale.ROOT)
                        + " repository '" + namespace + "/" + name + "' already exists");
            }
            repositories.repos().insert(repo);
            repositories.repos().insertCommit(initial);
            repositories.repos().insertRef(new Ref(repo.id(), "main", Ref.Kind.BRANCH, initial.id(), 1));
            audit(repositories, caller, "hub.repo.create", repo, Map.of("visibility", wire(visibility)));
            return repo;
        });
    }

    public Repo get(Subject caller, RepoKind kind, String namespace, String name) {
        return find(caller, kind, namespace, name, Action.REPO_SEE);
    }

    /**
     * The repository if the caller may perform {@code action}; NOT_FOUND, worded exactly as for a repository that
     * does not exist, when they may not see it.
     */
    public Repo find(Subject caller, RepoKind kind, String namespace, String name, Action action) {
        Repo repo = load(kind, namespace, name);
        access.check(caller, action, repo.resource());
        return repo;
    }

    /** A repository the caller may read, with the decision that allowed it: its agreement and terms, if any. */
    public record Reading(Repo repo, Decision decision) {
    }

    public Reading findForRead(Subject caller, RepoKind kind, String namespace, String name) {
        Repo repo = load(kind, namespace, name);
        return new Reading(repo, access.check(caller, Action.REPO_READ, repo.resource()));
    }

    private Repo load(RepoKind kind, String namespace, String name) {
        return store.read(repositories -> repositories.repos().find(kind, namespace, name))
                .orElseThrow(() -> IncubatorException.notFound("repository", kind.plural() + "/" + namespace + "/"
                        + name));
    }

    /** A repository by id, without an access check (for signed upload URLs, already authorised). */
    public Optional<Repo> repoById(String id) {
        return store.read(repositories -> repositories.repos().byId(id));
    }

    public Page<Repo> list(Subject caller, Optional<RepoKind> kind, Optional<String> namespace,
                           Optional<String> search, PageRequest page) {
        Set<String> owners = new HashSet<>(caller.organisationIds());
        caller.userId().ifPresent(owners::add);
        RepoRepository.Readable readable = new RepoRepository.Readable(
                access.allows(caller, Action.REPO_SEE, Resource.platform()), owners);
        Page<Repo> candidates = store.read(repositories -> repositories.repos().list(kind, namespace,
                search.map(value -> value.toLowerCase(Locale.ROOT)), readable, page));
        return new Page<>(candidates.items().stream().filter(repo -> access.allows(caller, Action.REPO_SEE,
                repo.resource())).toList(), candidates.nextCursor());
    }

    public Repo changeVisibility(Subject caller, RepoKind kind, String namespace, String name, Visibility visibility,
                                 Optional<Long> expectedVersion) {
        Repo repo = find(caller, kind, namespace, name, Action.REPO_ADMIN);
        expectedVersion.filter(version -> version != repo.version()).ifPresent(version -> {
            throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "the repository is at version " + repo.version()
                    + ", not " + version + "; fetch it again");
        });
        String domain = domainFor(repo.owner(), visibility, repo.id());
        Repo changed = new Repo(repo.id(), repo.kind(), repo.namespace(), repo.name(), repo.owner(), visibility,
                domain, repo.createdBy(), repo.createdAt(), clock.instant(), repo.card(), repo.version() + 1);
        if (visibility != repo.visibility() && (visibility == Visibility.PUBLIC || visibility == Visibility.GATED)) {
            publishGate.check(caller, changed, changed.card());
        }
        if (!domain.equals(repo.domain())) {
            moveContent(repo, domain);
        }
        return store.write(repositories -> {
            if (!repositories.repos().update(changed)) {
                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "the repository changed meanwhile; retry");
            }
            audit(repositories, caller, "hub.repo.visibility", changed, Map.of("from", wire(repo.visibility()),
                    "to", wire(visibility)));
            return changed;
        });
    }

    /**
     * Renames a repository or transfers it to another namespace: admin of the repository and allowed to create in the
     * target. Content moves to the new owner's encryption domain first, so a crash part-way leaves the old name.
     */
    public Repo move(Subject caller, Repo repo, String namespace, String name) {
        access.check(caller, Action.REPO_ADMIN, repo.resource());
        Violations violations = new Violations();
        violations.check(NAME.matcher(namespace).matches() && !RESERVED.contains(namespace.toLowerCase(Locale.ROOT)),
                "toRepo", "namespace must be an organisation or user name");
        violations.check(NAME.matcher(name).matches() && !name.endsWith(".git") && !name.contains(".."), "toRepo",
                "name must be 1-96 letters, digits, '.', '_' or '-', starting with a letter or digit");
        violations.throwIfAny();
        Repo.Owner owner = namespaces.resolve(namespace).orElseThrow(() -> new IncubatorException(ErrorCode.NOT_FOUND,
                "namespace '" + namespace + "' not found"));
        access.check(caller, Action.REPO_CREATE, new Resource.Namespace(namespace,
                Resource.OwnerKind.valueOf(owner.kind().name()), owner.id()));
        String domain = domainFor(owner, repo.visibility(), repo.id());
        if (!domain.equals(repo.domain())) {
            moveContent(repo, domain);
        }
        Repo moved = new Repo(repo.id(), repo.kind(), namespace, name, owner, repo.visibility(), domain,
                repo.createdBy(), repo.createdAt(), clock.instant(), repo.card(), repo.version() + 1);
        return store.write(repositories -> {
            Optional<Repo> taken = repositories.repos().find(repo.kind(), namespace, name);
            if (taken.isPresent() && !taken.get().id().equals(repo.id())) {
                throw new IncubatorException(ErrorCode.ALREADY_EXISTS, wire(repo.kind()) + " repository '" + namespace
                        + "/" + name + "' already exists");
            }
            if (!repositories.repos().update(moved)) {
                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "the repository changed meanwhile; retry");
            }
            audit(repositories, caller, "hub.repo.move", moved, Map.of("from", repo.kind().plural() + "/"
                    + repo.fullName()));
            return moved;
        });
    }

    /**
     * For each of {@code paths}, the newest commit along first parents from {@code head} at which the file got the
     * content it has at {@code head}; one walk of at most {@code depth} commits for all of them (files unchanged
     * over the whole walk get the oldest commit looked at).
     */
    public Map<String, Commit> lastChanges(Repo repo, Commit head, java.util.Collection<String> paths, int depth) {
        Map<String, String> content = new HashMap<>();
        head.tree().stream().filter(entry -> paths.contains(entry.path()))
                .forEach(entry -> content.put(entry.path(), entry.sha256()));
        Map<String, Commit> found = new HashMap<>();
        Commit current = head;
        for (int i = 0; i < depth && !current.parents().isEmpty() && found.size() < paths.size(); i++) {
            String parentId = current.parents().get(0);
            Commit parent = store.read(repositories -> repositories.repos().commit(repo.id(), parentId)).orElse(null);
            if (parent == null) {
                break;
            }
            Map<String, String> before = new HashMap<>();
            parent.tree().forEach(entry -> before.put(entry.path(), entry.sha256()));
            for (String path : paths) {
                if (!found.containsKey(path) && !java.util.Objects.equals(content.get(path), before.get(path))) {
                    found.put(path, current);
                }
            }
            current = parent;
        }
        for (String path : paths) {
            found.putIfAbsent(path, current);
        }
        return found;
    }

    public void delete(Subject caller, RepoKind kind, String namespace, String name) {
        Repo repo = find(caller, kind, namespace, name, Action.REPO_ADMIN);
        store.write(repositories -> {
            repositories.repos().delete(repo.id());
            audit(repositories, caller, "hub.repo.delete", repo, Map.of());
            return null;
        });
    }

    /**
     * Re-seals every file of every commit under the new domain's key before the repository switches to it; a crash
     * part-way leaves the repository in its old domain and the copies to garbage collection.
     */
    private void moveContent(Repo repo, String domain) {
        Set<String> files = new HashSet<>();
        store.read(repositories -> repositories.repos().commits(repo.id())).forEach(commit ->
                commit.tree().forEach(entry -> files.add(entry.sha256())));
        for (String sha256 : files) {
            FileManifest manifest = file(repo, sha256).orElseThrow(() -> new IncubatorException(ErrorCode.DATA_CORRUPT,
                    "the content " + sha256 + " of " + repo.fullName() + " is missing; run 'incubator hub fsck'"));
            try {
                chunks.copyToDomain(manifest, domain, charge(repo).countedOnly());
            } catch (CorruptDataException e) {
                throw new IncubatorException(ErrorCode.DATA_CORRUPT, repo.fullName() + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /**
     * The encryption (and deduplication) domain of a repository: the shared public one, its user's, its
     * organisation's, or, for an organisation's private repository (its owner and admins only), one of its own, so
     * that no other member can learn through content addresses (upload negotiation, LFS batch answers, Xet
     * deduplication, size errors) what it holds.
     */
    private static String domainFor(Repo.Owner owner, Visibility visibility, String repoId) {
        if (visibility == Visibility.PUBLIC) {
            return PUBLIC_DOMAIN;
        }
        if (owner.kind() == Repo.OwnerKind.ORGANISATION && visibility == Visibility.PRIVATE) {
            return "repo-" + repoId;
        }
        return (owner.kind() == Repo.OwnerKind.ORGANISATION ? "org-" : "user-") + owner.id();
    }

    // ------------------------------------------------------------------------------------------------ revisions

    /** A branch, a tag, a full commit id or a unique prefix of at least 7 hex digits. */
    public Commit resolve(Repo repo, String requested) {
        String revision = requested.equals("HEAD") ? "main" : requested;
        return store.read(repositories -> {
            if (revision.length() == 40 && HEX_PREFIX.matcher(revision).matches()) {
                // A full commit id names that commit, whatever refs exist.
                Optional<Commit> exact = repositories.repos().commit(repo.id(), revision);
                if (exact.isPresent()) {
                    return exact.get();
                }
            }
            Optional<Ref> ref = repositories.repos().ref(repo.id(), revision);
            if (ref.isPresent()) {
                return repositories.repos().commit(repo.id(), ref.get().commitId()).orElseThrow();
            }
            if (HEX_PREFIX.matcher(revision).matches()) {
                List<String> ids = repositories.repos().commitsWithPrefix(repo.id(), revision);
                if (ids.size() == 1) {
                    return repositories.repos().commit(repo.id(), ids.get(0)).orElseThrow();
                }
                if (ids.size() > 1) {
                    throw IncubatorException.validation("revision", "'" + revision + "' matches " + ids.size()
                            + " commits; give more digits");
                }
            }
            throw IncubatorException.notFound("revision", revision + " of " + repo.fullName());
        });
    }

    /** Creates a branch or tag at a revision; tags never move afterwards. */
    public Ref createRef(Subject caller, Repo repo, String name, Ref.Kind kind, String revision) {
        return createRef(caller, repo, name, kind, revision, false);
    }

    /** As above; {@code overwrite} moves an existing branch of that name to the revision instead of refusing. */
    public Ref createRef(Subject caller, Repo repo, String name, Ref.Kind kind, String revision, boolean overwrite) {
        access.check(caller, Action.REPO_WRITE, repo.resource());
        Violations violations = new Violations();
        violations.check(REF_NAME.matcher(name).matches() && !name.contains("..") && !HEX_PREFIX.matcher(name).matches(),
                "name", "must be a branch or tag name such as 'v1.0' or 'experiment' (not hex digits alone)");
        violations.throwIfAny();
        Commit commit = resolve(repo, revision);
        Ref ref = new Ref(repo.id(), name, kind, commit.id(), 1);
        return store.write(repositories -> {
            Optional<Ref> existing = repositories.repos().ref(repo.id(), name);
            if (overwrite && kind == Ref.Kind.BRANCH && existing.filter(found -> found.kind() == Ref.Kind.BRANCH)
                    .isPresent()) {
                Ref moved = new Ref(repo.id(), name, kind, commit.id(), existing.get().version() + 1);
                if (!repositories.repos().updateRef(moved)) {
                    throw new IncubatorException(ErrorCode.CONFLICT, "branch '" + name + "' moved meanwhile; retry");
                }
                audit(repositories, caller, "hub.ref.move", repo, Map.of("ref", name, "from",
                        existing.get().commitId(), "commit", commit.id()));
                return moved;
            }
            if (existing.isPresent()) {
                throw new IncubatorException(ErrorCode.ALREADY_EXISTS, wire(kind) + " '" + name + "' already exists in "
                        + repo.fullName());
            }
            repositories.repos().insertRef(ref);
            audit(repositories, caller, "hub.ref.create", repo, Map.of("ref", name, "kind", wire(kind),
                    "commit", commit.id()));
            return ref;
        });
    }

    /** Deletes a branch or tag; the main branch stays. */
    public void deleteRef(Subject caller, Repo repo, String name) {
        deleteRef(caller, repo, name, Optional.empty());
    }

    /** Deletes a branch or tag, only of the given kind when one is given (NOT_FOUND otherwise). */
    public void deleteRef(Subject caller, Repo repo, String name, Optional<Ref.Kind> kind) {
        access.check(caller, Action.REPO_WRITE, repo.resource());
        if (name.equals("main")) {
            throw IncubatorException.validation("name", "the main branch can not be deleted");
        }
        store.write(repositories -> {
            Ref ref = repositories.repos().ref(repo.id(), name).filter(found -> kind.map(found.kind()::equals)
                    .orElse(true)).orElseThrow(() -> IncubatorException.notFound(kind.map(HubService::wire)
                    .orElse("ref"), name + " of " + repo.fullName()));
            repositories.repos().deleteRef(repo.id(), name);
            audit(repositories, caller, "hub.ref.delete", repo, Map.of("ref", name, "kind", wire(ref.kind()),
                    "commit", ref.commitId()));
            return null;
        });
    }

    public List<Ref> refs(Repo repo) {
        return store.read(repositories -> repositories.repos().refs(repo.id()));
    }

    /** Commits reachable from {@code revision} along first parents, newest first. */
    public Page<Commit> log(Repo repo, String revision, PageRequest page) {
        Commit start = page.after().map(id -> store.read(repositories -> repositories.repos().commit(repo.id(), id))
                .orElseThrow(() -> IncubatorException.validation("cursor", "does not name a commit of this repository")))
                .map(commit -> commit.parents().isEmpty() ? null : store.read(repositories -> repositories.repos()
                        .commit(repo.id(), commit.parents().get(0))).orElse(null))
                .orElseGet(() -> page.after().isPresent() ? null : resolve(repo, revision));
        List<Commit> found = new ArrayList<>();
        Commit current = start;
        while (current != null && found.size() <= page.limit()) {
            found.add(current);
            Commit commit = current;
            current = commit.parents().isEmpty() ? null : store.read(repositories -> repositories.repos()
                    .commit(repo.id(), commit.parents().get(0))).orElse(null);
        }
        return Page.fromOverfetch(found, page.limit(), Commit::id);
    }

    public record Change(String path, String kind, Optional<TreeEntry> before, Optional<TreeEntry> after) {
    }

    /** Files added, removed and modified from revision {@code from} to {@code to}. */
    public List<Change> diff(Repo repo, String from, String to) {
        Map<String, TreeEntry> before = byPath(resolve(repo, from).tree());
        Map<String, TreeEntry> after = byPath(resolve(repo, to).tree());
        TreeMap<String, Change> changes = new TreeMap<>();
        before.forEach((path, entry) -> {
            TreeEntry now = after.get(path);
            if (now == null) {
                changes.put(path, new Change(path, "removed", Optional.of(entry), Optional.empty()));
            } else if (!now.sha256().equals(entry.sha256())) {
                changes.put(path, new Change(path, "modified", Optional.of(entry), Optional.of(now)));
            }
        });
        after.forEach((path, entry) -> {
            if (!before.containsKey(path)) {
                changes.put(path, new Change(path, "added", Optional.empty(), Optional.of(entry)));
            }
        });
        return List.copyOf(changes.values());
    }

    private static Map<String, TreeEntry> byPath(List<TreeEntry> tree) {
        Map<String, TreeEntry> map = new LinkedHashMap<>();
        tree.forEach(entry -> map.put(entry.path(), entry));
        return map;
    }

    // ------------------------------------------------------------------------------------------------- uploads

    /** The chunks a push still has to send; the caller must be allowed to push. */
    public Set<String> missingChunks(Subject caller, Repo repo, List<String> hashes) {
        access.check(caller, Action.REPO_WRITE, repo.resource());
        Violations violations = new Violations();
        for (int i = 0; i < hashes.size(); i++) {
            violations.check(Hashes.isSha256(hashes.get(i)), "chunks[" + i + "]", "must be a SHA-256 in lower-case hex");
        }
        violations.throwIfAny();
        return chunks.missing(repo.domain(), hashes);
    }

    public int receiveChunks(Subject caller, Repo repo, InputStream frames) throws IOException {
        access.check(caller, Action.REPO_WRITE, repo.resource());
        try {
            return chunks.receive(repo.domain(), charge(repo), frames);
        } catch (ChunkStore.MalformedUploadException e) {
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, e.getMessage());
        }
    }

    /** Stores a whole file sent as a stream (Hugging Face uploads); returns its manifest. */
    public FileManifest receiveFile(Subject caller, Repo repo, InputStream content) throws IOException {
        access.check(caller, Action.REPO_WRITE, repo.resource());
        return chunks.ingest(repo.domain(), charge(repo), content);
    }

    // ---------------------------------------------------------------------------------------------- storage

    /** The storage account of an owner: {@code organisation:<id>} or {@code user:<id>}. */
    public static String account(Repo.Owner owner) {
        return owner.kind().name().toLowerCase(Locale.ROOT) + ":" + owner.id();
    }

    /** What content pushed to the repository is charged to: its owner, under the owner's quota. */
    public dev.incubator.hub.chunk.Charge charge(Repo repo) {
        return dev.incubator.hub.chunk.Charge.to(account(repo.owner()), (repo.owner().kind() == Repo.OwnerKind.ORGANISATION
                ? "organisation '" : "user '") + repo.namespace() + "'", quotas.forOwner(repo.owner().kind()));
    }

    /** An owner's stored bytes (after deduplication) and the quota that holds for it. */
    public record Storage(long usedBytes, long quotaBytes, boolean quotaOwn) {
    }

    /** An owner's storage; who may see it is decided by the caller (the route). */
    public Storage storage(Repo.Owner owner) {
        var found = store.read(repositories -> repositories.storage().find(account(owner)));
        return new Storage(found.bytes(), found.quotaBytes().orElse(quotas.forOwner(owner.kind())),
                found.quotaBytes().isPresent());
    }

    /** Sets (or, empty, removes) an owner's own quota; audited. The caller's right is checked by the caller. */
    public Storage setQuota(Subject caller, Repo.Owner owner, String ownerName, Optional<Long> quotaBytes) {
        quotaBytes.ifPresent(bytes -> {
            if (bytes < 0) {
                throw IncubatorException.validation("quota_bytes", "must be 0 or more bytes");
            }
        });
        store.write(repositories -> {
            repositories.storage().setQuota(account(owner), quotaBytes);
            repositories.audit().append(new AuditEvent(0, clock.instant(), caller.actor(), "hub.storage.quota",
                    owner.kind().name().toLowerCase(Locale.ROOT), owner.id(),
                    owner.kind() == Repo.OwnerKind.ORGANISATION ? Optional.of(owner.id()) : Optional.empty(),
                    caller.meta().requestId(), AuditEvent.Outcome.SUCCESS, caller.meta().sourceAddress(),
                    Map.of("name", ownerName, "quota_bytes", quotaBytes.map(String::valueOf).orElse("default"))));
            return null;
        });
        return storage(owner);
    }

    public Optional<FileManifest> file(Repo repo, String sha256) {
        return store.read(repositories -> repositories.files().find(repo.domain(), sha256));
    }

    /**
     * A file's content by SHA-256, as the LFS batch API names it, only if a commit of this repository has it (its
     * encryption domain may hold content of other repositories that this one's readers may not read).
     */
    /** The SHA-256 of every file content any commit of the repository has. */
    public Set<String> contents(Repo repo) {
        Set<String> contents = new HashSet<>();
        store.read(repositories -> repositories.repos().commits(repo.id())).forEach(commit -> commit.tree()
                .forEach(entry -> contents.add(entry.sha256())));
        return contents;
    }

    public Optional<Download> object(Repo repo, String sha256) {
        for (Commit commit : store.read(repositories -> repositories.repos().commits(repo.id()))) {
            for (TreeEntry entry : commit.tree()) {
                if (entry.sha256().equals(sha256)) {
                    return file(repo, sha256).map(manifest -> new Download(repo, commit, entry, manifest));
                }
            }
        }
        return Optional.empty();
    }

    /** One change of a commit. */
    public sealed interface FileOp {
        String path();

        /** A file made of chunks already in the store; its SHA-256 is checked against the content. */
        record Put(String path, String sha256, long size, List<FileManifest.ChunkRef> chunks) implements FileOp {
        }

        /** A file whose content the store already has (uploaded whole, e.g. by the LFS flow). */
        record PutStored(String path, String sha256, long size, boolean lfs) implements FileOp {
        }

        /** A small file sent inline. */
        record PutBytes(String path, byte[] content) implements FileOp {
        }

        record Delete(String path) implements FileOp {
        }
    }

    /**
     * Records a commit on {@code branch}: every file's content must be in the store and match its SHA-256. When
     * {@code expectedParent} is given the branch must still point there (else CONFLICT); otherwise the commit goes
     * on top of whatever the branch holds. A README.md with an invalid card is refused.
     */
    public Commit commit(Subject caller, Repo repo, String branch, Optional<String> expectedParent, String message,
                         List<FileOp> operations) throws IOException {
        return commit(caller, repo, branch, false, expectedParent, message, operations);
    }

    /**
     * As {@link #commit(Subject, Repo, String, Optional, String, List)}; a branch that does not exist is refused
     * (NOT_FOUND) unless {@code createBranch}, when it starts from the head of main. A commit id or a tag is never a
     * branch: committing to one is refused.
     */
    public Commit commit(Subject caller, Repo repo, String branch, boolean createBranch, Optional<String> expectedParent,
                         String message, List<FileOp> operations) throws IOException {
        access.check(caller, Action.REPO_WRITE, repo.resource());
        Violations violations = new Violations();
        violations.check(!HEX_PREFIX.matcher(branch).matches(), "revision", "'" + branch + "' is a commit id, not a"
                + " branch; commits go on a branch such as 'main' (a commit id never names a branch)");
        violations.check(REF_NAME.matcher(branch).matches() && !branch.contains(".."), "branch",
                "must be a branch name such as 'main'");
        violations.check(!message.isBlank() && message.length() <= 64 * 1024, "message",
                "must say what the commit changes (1 to 65536 characters)");
        violations.check(!operations.isEmpty(), "files", "must list at least one file to add, change or delete");
        Set<String> seenPaths = new HashSet<>();
        for (int i = 0; i < operations.size(); i++) {
            String path = operations.get(i).path();
            if (!validPath(path)) {
                violations.add("files[" + i + "].path", "'" + path + "' is not a relative path without '.', '..' or"
                        + " empty segments (at most " + MAX_PATH + " characters)");
            } else if (!seenPaths.add(path)) {
                violations.add("files[" + i + "].path", "'" + path + "' appears twice in the commit");
            }
        }
        violations.throwIfAny();

        Map<String, TreeEntry> added = new LinkedHashMap<>();
        Set<String> deleted = new HashSet<>();
        Optional<Card> card = Optional.empty();
        boolean cardTouched = false;
        for (FileOp operation : operations) {
            TreeEntry entry = switch (operation) {
                case FileOp.Delete delete -> {
                    deleted.add(delete.path());
                    yield null;
                }
                case FileOp.PutBytes bytes -> {
                    FileManifest manifest = chunks.ingest(repo.domain(), charge(repo),
                            new java.io.ByteArrayInputStream(bytes.content()));
                    yield entry(bytes.path(), manifest, Hashes.gitBlobId(bytes.content()), false);
                }
                case FileOp.PutStored stored -> {
                    FileManifest manifest = file(repo, stored.sha256()).orElseThrow(() ->
                            IncubatorException.validation(stored.path(), "content " + stored.sha256()
                                    + " was not uploaded; upload it first"));
                    if (manifest.size() != stored.size()) {
                        throw IncubatorException.validation(stored.path(), "declares " + stored.size()
                                + " bytes but the uploaded content has " + manifest.size());
                    }
                    yield stored.lfs() || manifest.size() >= LFS_THRESHOLD
                            ? entry(stored.path(), manifest, lfsPointerId(manifest), true)
                            : entry(stored.path(), manifest, Hashes.gitBlobId(chunks.readAll(manifest)), false);
                }
                case FileOp.Put put -> verifiedEntry(repo, put);
            };
            if (entry != null) {
                added.put(entry.path(), entry);
                if (entry.path().equals("README.md")) {
                    cardTouched = true;
                    card = Card.parse(new String(chunks.readAll(file(repo, entry.sha256()).orElseThrow()),
                            StandardCharsets.UTF_8));
                }
            } else if (operation.path().equals("README.md")) {
                cardTouched = true;
            }
        }
        Optional<Card> newCard = card;
        boolean updateCard = cardTouched;
        if (updateCard && branch.equals("main") && (repo.visibility() == Visibility.PUBLIC
                || repo.visibility() == Visibility.GATED)) {
            publishGate.check(caller, repo, newCard);
        }
        Instant now = clock.instant();
        Optional<String> parentId = expectedParent.map(parent -> parent.length() < 40 && HEX_PREFIX.matcher(parent)
                .matches() ? resolve(repo, parent).id() : parent);
        return store.write(repositories -> {
            Optional<Ref> ref = repositories.repos().ref(repo.id(), branch);
            if (ref.isPresent() && ref.get().kind() == Ref.Kind.TAG) {
                throw IncubatorException.validation("branch", "'" + branch + "' is a tag; tags never move");
            }
            if (ref.isEmpty() && !createBranch) {
                String cli = (repo.kind() == RepoKind.DATASET ? "datasets/" : "") + repo.fullName();
                throw new IncubatorException(ErrorCode.NOT_FOUND, "revision '" + branch + "' of " + repo.fullName()
                        + " not found: branch '" + branch + "' does not exist; create it first (create_branch, or"
                        + " 'incubator hub tag " + cli + " " + branch + " --branch')");
            }
            Optional<Ref> base = ref.isPresent() ? ref : repositories.repos().ref(repo.id(), "main");
            if (parentId.isPresent() && !ref.map(Ref::commitId).equals(parentId)) {
                throw new IncubatorException(ErrorCode.CONFLICT, "branch '" + branch + "' of " + repo.fullName()
                        + " is at " + ref.map(Ref::commitId).orElse("(none)") + ", not " + parentId.get()
                        + "; pull and retry");
            }
            TreeMap<String, TreeEntry> tree = new TreeMap<>();
            List<String> parents = List.of();
            if (base.isPresent()) {
                Commit parent = repositories.repos().commit(repo.id(), base.get().commitId()).orElseThrow();
                parent.tree().forEach(entry -> tree.put(entry.path(), entry));
                parents = List.of(parent.id());
            }
            for (String path : deleted) {
                if (tree.remove(path) == null) {
                    throw IncubatorException.validation(path, "can not be deleted: it is not in branch '" + branch + "'");
                }
            }
            tree.putAll(added);
            for (String path : added.keySet()) {
                for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                    String folder = path.substring(0, slash);
                    if (tree.containsKey(folder)) {
                        throw IncubatorException.validation(path, "'" + folder + "' is a file, so '" + path + "' can"
                                + " not be under it; delete or rename one of them");
                    }
                }
                String prefix = path + "/";
                String under = tree.ceilingKey(prefix);
                if (under != null && under.startsWith(prefix)) {
                    throw IncubatorException.validation(path, "'" + path + "' is a folder (it holds '" + under
                            + "'), so it can not also be a file; delete or rename one of them");
                }
            }
            Commit commit = commitOf(repo.id(), parents, caller.actor(), message, now, List.copyOf(tree.values()));
            repositories.repos().insertCommit(commit);
            if (ref.isPresent()) {
                Ref moved = new Ref(repo.id(), branch, Ref.Kind.BRANCH, commit.id(), ref.get().version() + 1);
                if (!repositories.repos().updateRef(moved)) {
                    throw new IncubatorException(ErrorCode.CONFLICT, "branch '" + branch + "' moved meanwhile; retry");
                }
            } else {
                repositories.repos().insertRef(new Ref(repo.id(), branch, Ref.Kind.BRANCH, commit.id(), 1));
            }
            Repo current = repositories.repos().byId(repo.id()).orElseThrow();
            Repo updated = updateCard && branch.equals("main") ? current.withCard(newCard, now) : current.touched(now);
            repositories.repos().update(updated);
            audit(repositories, caller, "hub.commit", repo, Map.of("commit", commit.id(), "branch", branch,
                    "files", Integer.toString(added.size()), "deleted", Integer.toString(deleted.size())));
            return commit;
        });
    }

    /** Checks that a pushed file's chunks are stored and that their content hashes to the declared SHA-256. */
    private TreeEntry verifiedEntry(Repo repo, FileOp.Put put) throws IOException {
        Violations violations = new Violations();
        violations.check(Hashes.isSha256(put.sha256()), put.path(), "sha256 must be 64 lower-case hex digits");
        violations.check(put.size() >= 0, put.path(), "size must not be negative");
        violations.throwIfAny();
        long sum = put.chunks().stream().mapToLong(FileManifest.ChunkRef::length).sum();
        if (sum != put.size()) {
            throw IncubatorException.validation(put.path(), "its chunks add up to " + sum + " bytes, not " + put.size());
        }
        Optional<FileManifest> known = file(repo, put.sha256());
        if (known.isPresent() && known.get().chunks().equals(put.chunks())) {
            return entryFor(put.path(), known.get());
        }
        List<String> hashes = put.chunks().stream().map(FileManifest.ChunkRef::hash).distinct().toList();
        Set<String> present = store.read(repositories -> repositories.chunks().present(repo.domain(), hashes));
        if (present.size() < hashes.size()) {
            throw IncubatorException.validation(put.path(), (hashes.size() - present.size()) + " of its chunks were"
                    + " not uploaded; ask which chunks are missing and upload them first");
        }
        FileManifest manifest = new FileManifest(repo.domain(), put.sha256(), put.size(), put.chunks());
        MessageDigest sha256 = Hashes.sha256();
        MessageDigest git = put.size() < LFS_THRESHOLD ? gitDigest(put.size()) : null;
        chunks.copy(manifest, 0, manifest.size(), new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] data, int offset, int length) {
                sha256.update(data, offset, length);
                if (git != null) {
                    git.update(data, offset, length);
                }
            }
        });
        if (!Hashes.hex(sha256.digest()).equals(put.sha256())) {
            throw IncubatorException.validation(put.path(), "its chunks do not make content with SHA-256 " + put.sha256());
        }
        store.write(repositories -> {
            repositories.files().save(manifest, clock.instant());
            return null;
        });
        return git != null ? entry(put.path(), manifest, Hashes.hex(git.digest()), false)
                : entry(put.path(), manifest, lfsPointerId(manifest), true);
    }

    private TreeEntry entryFor(String path, FileManifest manifest) throws IOException {
        return manifest.size() >= LFS_THRESHOLD ? entry(path, manifest, lfsPointerId(manifest), true)
                : entry(path, manifest, Hashes.gitBlobId(chunks.readAll(manifest)), false);
    }

    private static MessageDigest gitDigest(long size) {
        MessageDigest digest = Hashes.sha1();
        digest.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        return digest;
    }

    private static TreeEntry entry(String path, FileManifest manifest, String gitOid, boolean lfs) {
        return new TreeEntry(path, manifest.size(), manifest.sha256(), gitOid, lfs);
    }

    /** The text git stores in place of an LFS file. */
    public static String lfsPointer(String sha256, long size) {
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + size + "\n";
    }

    private static String lfsPointerId(FileManifest manifest) {
        return Hashes.gitBlobId(lfsPointer(manifest.sha256(), manifest.size()).getBytes(StandardCharsets.US_ASCII));
    }

    static boolean validPath(String path) {
        if (path == null || path.isEmpty() || path.length() > MAX_PATH || path.startsWith("/") || path.endsWith("/")) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.equals(".git")) {
                return false;
            }
        }
        return path.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == '\\');
    }

    private static Commit commitOf(String repoId, List<String> parents, String author, String message, Instant time,
                                   List<TreeEntry> tree) {
        MessageDigest digest = Hashes.sha256();
        StringBuilder text = new StringBuilder("repo ").append(repoId).append('\n');
        parents.forEach(parent -> text.append("parent ").append(parent).append('\n'));
        text.append("author ").append(author).append('\n').append("time ").append(time.toEpochMilli()).append('\n');
        for (TreeEntry entry : tree) {
            text.append("file ").append(entry.sha256()).append(' ').append(entry.size()).append(' ').append(entry.path())
                    .append('\n');
        }
        text.append('\n').append(message);
        digest.update(text.toString().getBytes(StandardCharsets.UTF_8));
        return new Commit(Hashes.hex(digest.digest()).substring(0, 40), repoId, parents, author, message, time, tree);
    }

    // --------------------------------------------------------------------------------------------------- reads

    /** A file of a revision, ready to be streamed. */
    public record Download(Repo repo, Commit commit, TreeEntry entry, FileManifest manifest) {
    }

    public Download download(Repo repo, String revision, String path) {
        return download(repo, resolve(repo, revision), path);
    }

    /** A file of a commit already resolved: exactly that commit's file, never a revision looked up again. */
    public Download download(Repo repo, Commit commit, String path) {
        String revision = commit.id();
        TreeEntry entry = commit.tree().stream().filter(candidate -> candidate.path().equals(path)).findFirst()
                .orElseThrow(() -> IncubatorException.notFound("file", path + " at " + revision + " of "
                        + repo.fullName()));
        FileManifest manifest = file(repo, entry.sha256()).orElseThrow(() -> new IncubatorException(
                ErrorCode.DATA_CORRUPT, "the content of " + path + " (" + entry.sha256() + ") is missing from the store;"
                + " run 'incubator hub fsck'"));
        return new Download(repo, commit, entry, manifest);
    }

    /** Streams a byte range of a download; a chunk that fails verification aborts with DATA_CORRUPT. */
    public void copy(Download download, long from, long to, OutputStream out) throws IOException {
        try {
            chunks.copy(download.manifest(), from, to, out);
        } catch (CorruptDataException e) {
            throw new IncubatorException(ErrorCode.DATA_CORRUPT, download.entry().path() + " of "
                    + download.repo().fullName() + ": " + e.getMessage(), e);
        }
    }

    // --------------------------------------------------------------------------------------------- maintenance

    /** The outcome of a check of every pack, chunk, file and reference. */
    /**
     * {@code problems} are damage (missing or corrupt data); {@code unreferenced} are objects an interrupted upload
     * left that no index names: harmless, and removed by garbage collection after the grace period.
     */
    public record FsckReport(int packs, int repositories, int commits, int files, List<ChunkStore.Problem> problems,
                             List<String> unreferenced) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    public FsckReport fsck(java.util.function.LongConsumer progress) throws IOException {
        List<ChunkStore.Problem> problems = new ArrayList<>(chunks.checkPacks(progress));
        int[] counts = new int[3];
        Set<String> checkedFiles = new HashSet<>();
        for (String domain : store.read(repositories -> repositories.chunks().domains())) {
            for (Repo repo : store.read(repositories -> repositories.repos().inDomain(domain))) {
                counts[0]++;
                List<Commit> commits = store.read(repositories -> repositories.repos().commits(repo.id()));
                Set<String> ids = new HashSet<>();
                commits.forEach(commit -> ids.add(commit.id()));
                for (Ref ref : refs(repo)) {
                    if (!ids.contains(ref.commitId())) {
                        problems.add(new ChunkStore.Problem(repo.fullName() + "@" + ref.name(), "points at missing "
                                + "commit " + ref.commitId()));
                    }
                }
                for (Commit commit : commits) {
                    counts[1]++;
                    for (TreeEntry entry : commit.tree()) {
                        if (!checkedFiles.add(domain + "/" + entry.sha256())) {
                            continue;
                        }
                        counts[2]++;
                        Optional<FileManifest> manifest = file(repo, entry.sha256());
                        if (manifest.isEmpty()) {
                            problems.add(new ChunkStore.Problem(repo.fullName() + ":" + entry.path(),
                                    "file content " + entry.sha256() + " is not in the store"));
                            continue;
                        }
                        List<String> hashes = manifest.get().chunks().stream().map(FileManifest.ChunkRef::hash)
                                .distinct().toList();
                        Set<String> present = store.read(repositories -> repositories.chunks().present(domain, hashes));
                        if (present.size() < hashes.size()) {
                            problems.add(new ChunkStore.Problem(repo.fullName() + ":" + entry.path(),
                                    (hashes.size() - present.size()) + " chunk(s) missing from the index"));
                        }
                    }
                }
            }
        }
        int packs = store.read(repositories -> repositories.chunks().packs()).size();
        return new FsckReport(packs, counts[0], counts[1], counts[2], List.copyOf(problems),
                chunks.unknownPackObjects());
    }

    /** Removes content no commit needs, sparing anything wanted within {@code grace} (uploads in flight). */
    public ChunkStore.Collected collectGarbage(Duration grace) throws IOException {
        Instant cutoff = clock.instant().minus(grace);
        ChunkStore.Collected total = new ChunkStore.Collected(0, 0, 0, 0, 0);
        for (String domain : store.read(repositories -> repositories.chunks().domains())) {
            Set<String> live = new HashSet<>();
            for (Repo repo : store.read(repositories -> repositories.repos().inDomain(domain))) {
                store.read(repositories -> repositories.repos().commits(repo.id())).forEach(commit ->
                        commit.tree().forEach(entry -> live.add(entry.sha256())));
            }
            total = total.plus(chunks.collect(domain, live, cutoff));
        }
        chunks.removeOrphanPacks(cutoff);
        return total;
    }

    /** Crypto-shreds an organisation's private content by deleting its data key. */
    public boolean shredOrganisation(Subject caller, String organisationId, String organisationName) {
        access.check(caller, Action.HUB_KEY_SHRED, Resource.organisation(organisationId, organisationName));
        // The organisation's domain and the own domains of its private repositories.
        List<String> domains = new ArrayList<>(List.of("org-" + organisationId));
        for (String domain : store.read(repositories -> repositories.chunks().domains())) {
            if (domain.startsWith("repo-") && store.read(repositories -> repositories.repos().inDomain(domain))
                    .stream().anyMatch(repo -> repo.owner().id().equals(organisationId))) {
                domains.add(domain);
            }
        }
        boolean shredded = false;
        for (String domain : domains) {
            boolean deleted = chunks.shred(domain);
            shredded |= deleted;
            store.write(repositories -> {
                repositories.audit().append(new AuditEvent(0, clock.instant(), caller.actor(), "hub.key.shred",
                        "domain", domain, Optional.of(organisationId), caller.meta().requestId(),
                        AuditEvent.Outcome.SUCCESS, caller.meta().sourceAddress(), Map.of("deleted",
                                Boolean.toString(deleted))));
                return null;
            });
        }
        return shredded;
    }

    private void audit(HubStore.Repositories repositories, Subject caller, String action, Repo repo,
                       Map<String, String> details) {
        Map<String, String> all = new HashMap<>(details);
        all.put("repository", repo.kind().plural() + "/" + repo.fullName());
        repositories.audit().append(new AuditEvent(0, clock.instant(), caller.actor(), action, "repository", repo.id(),
                repo.owner().kind() == Repo.OwnerKind.ORGANISATION ? Optional.of(repo.owner().id()) : Optional.empty(),
                caller.meta().requestId(), AuditEvent.Outcome.SUCCESS, caller.meta().sourceAddress(), all));
    }

    public static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
