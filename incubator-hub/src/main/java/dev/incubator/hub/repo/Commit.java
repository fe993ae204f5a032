package dev.incubator.hub.repo;

import java.time.Instant;
import java.util.List;

/** An immutable snapshot of a repository's files with its parents, author, message and time. */
public record Commit(String id, String repoId, List<String> parents, String author, String message,
                     Instant createdAt, List<TreeEntry> tree) {
    public Commit {
        parents = List.copyOf(parents);
        tree = List.copyOf(tree);
    }

    public String title() {
        return message.lines().findFirst().orElse("");
    }
}
