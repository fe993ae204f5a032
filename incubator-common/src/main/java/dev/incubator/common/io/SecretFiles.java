package dev.incubator.common.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/** Files that hold keys and credentials: readable by the owner only (0600), written whole or not at all. */
public final class SecretFiles {
    private SecretFiles() {
    }

    /** The file's text; when the file does not exist, it is first created with {@code content}. */
    public static String readOrCreate(Path file, Supplier<String> content) throws IOException {
        if (!Files.exists(file)) {
            write(file, content.get());
        }
        return Files.readString(file);
    }

    /**
     * Writes (or replaces) a file readable by its owner only, whole or not at all: a temporary file beside it, made
     * durable, then moved over it.
     */
    public static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(temp);
        }
        Files.writeString(temp, content, StandardOpenOption.SYNC);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
