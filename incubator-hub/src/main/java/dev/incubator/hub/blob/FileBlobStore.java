package dev.incubator.hub.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory. A put writes a temporary file, forces it to disk, renames it into
 * place and forces the directory, so a crash leaves either the old state or the whole new object.
 */
public final class FileBlobStore implements BlobStore {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final String TEMP = ".tmp-";

    private final Path root;

    public FileBlobStore(Path root) throws IOException {
        this.root = Files.createDirectories(root).toRealPath();
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = resolve(key);
        directories(target.getParent());
        Path temp = target.resolveSibling(TEMP + UUID.randomUUID());
        try {
            Files.copy(file, temp);
            force(temp);
            commit(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void putAndRemove(String key, Path file) throws IOException {
        Path target = resolve(key);
        directories(target.getParent());
        force(file);
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, PRIVATE_FILE);
        }
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException differentFileSystem) {
            put(key, file);
            Files.deleteIfExists(file);
            return;
        }
        try (FileChannel directory = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException ignored) {
            // Some file systems can not open a directory for syncing; the rename is still atomic.
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        Path target = resolve(key);
        directories(target.getParent());
        Path temp = target.resolveSibling(TEMP + UUID.randomUUID());
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            commit(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Creates missing directories under the root as the service's alone (0700). */
    private void directories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        directories(directory.getParent());
        try {
            Files.createDirectory(directory);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            return;
        }
        if (Files.getFileStore(directory).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(directory, PRIVATE_DIRECTORY);
        }
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PRIVATE_DIRECTORY =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PRIVATE_FILE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");

    private void commit(Path temp, Path target) throws IOException {
        if (Files.getFileStore(temp).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(temp, PRIVATE_FILE);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the blob directory " + root + " does not support atomic renames", e);
        }
        try (FileChannel directory = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException ignored) {
            // Some file systems can not open a directory for syncing; the rename is still atomic.
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    @Override
    public byte[] read(String key, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(resolve(key), StandardOpenOption.READ)) {
            if (offset < 0 || offset + length > channel.size()) {
                throw new IOException("range " + offset + "+" + length + " is outside '" + key + "' of "
                        + channel.size() + " bytes");
            }
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException("'" + key + "' ended early");
                }
            }
            return buffer.array();
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(key);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return Files.newInputStream(resolve(key));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(key);
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        Path file = resolve(key);
        try {
            return Optional.of(new BlobInfo(key, Files.size(file), Files.getLastModifiedTime(file).toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        List<BlobInfo> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String key = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (key.startsWith(prefix) && !file.getFileName().toString().startsWith(TEMP)) {
                    try {
                        found.add(new BlobInfo(key, Files.size(file), Files.getLastModifiedTime(file).toInstant()));
                    } catch (NoSuchFileException raced) {
                        // deleted while listing
                    }
                }
            }
        }
        found.sort(Comparator.comparing(BlobInfo::key));
        return found;
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(resolve(key));
    }

    @Override
    public String describe() {
        return root.toString();
    }

    private Path resolve(String key) throws IOException {
        if (!KEY.matcher(key).matches() || key.contains("..") || key.startsWith(TEMP)) {
            throw new IOException("invalid object key '" + key + "'");
        }
        return root.resolve(key);
    }

}
