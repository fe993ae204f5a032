package dev.incubator.hub.repo;

/** A branch or tag of a repository pointing at a commit; branches move by compare-and-set, tags never move. */
public record Ref(String repoId, String name, Kind kind, String commitId, long version) {
    public enum Kind { BRANCH, TAG }
}
