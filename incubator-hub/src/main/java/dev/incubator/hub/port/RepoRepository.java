package dev.incubator.hub.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Ref;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Repositories, their commits and refs. */
public interface RepoRepository {
    void insert(Repo repo);

    /** Replaces the repository if its stored version is {@code repo.version() - 1}; false otherwise. */
    boolean update(Repo repo);

    Optional<Repo> find(RepoKind kind, String namespace, String name);

    Optional<Repo> byId(String id);

    /**
     * Repositories of a kind whose name, namespace or card keywords contain {@code search} (case-insensitive),
     * restricted to those {@code readable} admits: public and gated ones, and those of the given owners.
     */
    Page<Repo> list(Optional<RepoKind> kind, Optional<String> namespace, Optional<String> search, Readable readable,
                    PageRequest page);

    /** What a caller may list: everything, or public and gated repositories plus those of some owners. */
    record Readable(boolean everything, Set<String> ownerIds) {
    }

    void delete(String repoId);

    /** Every repository of a domain (for garbage collection). */
    List<Repo> inDomain(String domain);

    void insertCommit(Commit commit);

    Optional<Commit> commit(String repoId, String commitId);

    /** Commits whose id starts with {@code prefix} (at least 7 hex digits). */
    List<String> commitsWithPrefix(String repoId, String prefix);

    List<Commit> commits(String repoId);

    List<Ref> refs(String repoId);

    Optional<Ref> ref(String repoId, String name);

    void insertRef(Ref ref);

    /** Moves a branch if its stored version is {@code ref.version() - 1}; false otherwise. */
    boolean updateRef(Ref ref);

    void deleteRef(String repoId, String name);
}
