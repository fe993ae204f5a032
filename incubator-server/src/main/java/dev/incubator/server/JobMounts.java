package dev.incubator.server;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Subject;
import dev.incubator.compute.Job;
import dev.incubator.compute.port.Mounts;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.tenancy.Authenticator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Job mounts from the hub: each repository a job names is read as the job's submitter from inside that job (the
 * access-policy engine decides, agreements included, and audits gated reads with the job), then written read-only
 * under {@code $INCUBATOR_MOUNTS/<kind>/<namespace>/<name>/}. A copy, verified chunk by chunk as every read is; an
 * attempt that finds the same commit already in place (a retry, a requeue after preemption) reuses it.
 */
public final class JobMounts implements Mounts {
    private static final String MARKER = ".incubator-commit";
    /**
     * In the job's directory (the service's, which the job can not change): each repository the last attempt read,
     * with the exact commit, one "name commit" line each; what provenance records.
     */
    static final String REVISIONS = "revisions.txt";

    private final HubService hub;
    private final Authenticator authenticator;

    JobMounts(HubService hub, Authenticator authenticator) {
        this.hub = hub;
        this.authenticator = authenticator;
    }

    @Override
    public void prepare(Job job, Path target) {
        if (job.spec().hubReads().isEmpty()) {
            return; // nothing read, nothing to record: a job without mounts leaves no trace here
        }
        StringBuilder revisions = new StringBuilder();
        for (Resolved mount : resolve(job)) {
            materialise(mount.name(), mount.repo(), mount.commit(), target.resolve(mount.name().split("@", 2)[0]));
            revisions.append(mount.name().split("@", 2)[0]).append(' ').append(mount.commit().id()).append('\n');
        }
        try {
            Files.createDirectories(target.getParent());
            Path file = target.resolveSibling(REVISIONS);
            Path partial = target.resolveSibling(REVISIONS + ".partial");
            Files.deleteIfExists(partial);
            Files.writeString(partial, revisions.toString(), StandardCharsets.UTF_8);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the revisions the job reads: " + e.getMessage(), e);
        }
    }

    /** The repositories the job's last attempt read, name (datasets/ORG/NAME) to commit; empty if none. */
    public static java.util.SortedMap<String, String> revisions(Path jobDirectory) {
        java.util.SortedMap<String, String> read = new java.util.TreeMap<>();
        Path file = jobDirectory.resolve(REVISIONS);
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return read;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.strip().split(" ");
                if (parts.length == 2) {
                    read.put(parts[0], parts[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return read;
    }

    @Override
    public void check(Job job) {
        resolve(job);
    }

    private record Resolved(String name, Repo repo, Commit commit) {
    }

    /** Each mount's repository and commit, read as the job's submitter from inside the job. */
    private java.util.List<Resolved> resolve(Job job) {
        java.util.List<Resolved> resolved = new java.util.ArrayList<>();
        Subject inJob;
        try {
            inJob = authenticator.forJob(job.submittedBy(), job.id()).subject(new RequestMeta("job-" + job.id(), "job"))
                    .inJob(job.id(), job.orgId());
        } catch (IncubatorException e) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, "the job's submitter can no longer read anything: "
                    + e.getMessage());
        }
        for (String mount : job.spec().hubReads()) {
            String[] at = mount.split("@", 2);
            String[] parts = at[0].split("/");
            RepoKind kind = parts[0].equals("datasets") ? RepoKind.DATASET : RepoKind.MODEL;
            Repo repo;
            Commit commit;
            try {
                repo = hub.find(inJob, kind, parts[1], parts[2], Action.REPO_READ);
                commit = hub.resolve(repo, at.length > 1 ? at[1] : "main");
            } catch (IncubatorException e) {
                throw new IncubatorException(e.code(), "mount " + mount + ": " + e.getMessage(), e);
            }
            resolved.add(new Resolved(mount, repo, commit));
        }
        return resolved;
    }

    private void materialise(String mount, Repo repo, Commit commit, Path directory) {
        try {
            Path marker = directory.resolve(MARKER);
            if (Files.isRegularFile(marker) && Files.readString(marker).strip().equals(commit.id())) {
                return;
            }
            removeTree(directory);
            Path partial = directory.resolveSibling(directory.getFileName() + ".partial");
            removeTree(partial);
            Files.createDirectories(partial);
            for (TreeEntry entry : commit.tree()) {
                Path file = partial.resolve(entry.path()).normalize();
                if (!file.startsWith(partial)) {
                    throw new IncubatorException(ErrorCode.DATA_CORRUPT, "mount " + mount + ": path '" + entry.path()
                            + "' leaves the repository");
                }
                Files.createDirectories(file.getParent());
                HubService.Download download = hub.download(repo, commit.id(), entry.path());
                try (OutputStream out = Files.newOutputStream(file)) {
                    hub.copy(download, 0, entry.size(), out);
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
            }
            Files.writeString(partial.resolve(MARKER), commit.id() + "\n", StandardCharsets.UTF_8);
            Files.move(partial, directory, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("mount " + mount + ": " + e.getMessage(), e);
        }
    }

    /** Removes a previous attempt's copy (its files are read-only, its directories are not). */
    private static void removeTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
