package dev.incubator.hub.repo;

/** What a repository holds. */
public enum RepoKind {
    MODEL, DATASET;

    /** The plural used in paths: models, datasets. */
    public String plural() {
        return this == MODEL ? "models" : "datasets";
    }
}
