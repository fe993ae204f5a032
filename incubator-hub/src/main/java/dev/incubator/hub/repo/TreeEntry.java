package dev.incubator.hub.repo;

/**
 * A file in a commit's tree: its path, size and SHA-256, the git blob id Hugging Face clients expect, and
 * whether clients see it as a large (LFS) file.
 */
public record TreeEntry(String path, long size, String sha256, String gitOid, boolean lfs) {
}
