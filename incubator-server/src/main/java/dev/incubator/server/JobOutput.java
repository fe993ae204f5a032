package dev.incubator.server;

import dev.incubator.common.IncubatorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/** What the platform's own job processes leave for it (evaluation records, safety reports), read safely. */
public final class JobOutput {
    private JobOutput() {
    }

    /**
     * A file of the job's output folder as UTF-8 text: opened relative to the checkpoint folder (which the job can
     * not replace) without following a link at either step, refused unless it is a plain file within {@code max}.
     */
    public static String text(Path checkpoints, String folder, String name, long max) {
        try (DirectoryStream<Path> top = Files.newDirectoryStream(checkpoints)) {
            if (!(top instanceof SecureDirectoryStream<Path> secure)) {
                throw new IllegalStateException("this platform can not open job files without following links");
            }
            try (SecureDirectoryStream<Path> output = secure.newDirectoryStream(Path.of(folder),
                    LinkOption.NOFOLLOW_LINKS)) {
                BasicFileAttributes attributes = output.getFileAttributeView(Path.of(name),
                        BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
                if (!attributes.isRegularFile()) {
                    throw IncubatorException.validation(name, "is not a plain file");
                }
                if (attributes.size() > max) {
                    throw IncubatorException.validation(name, "is " + attributes.size() + " bytes; at most " + max
                            + " are read");
                }
                try (SeekableByteChannel channel = output.newByteChannel(Path.of(name), Set.of(
                        StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(max, attributes.size()) + 1);
                    while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                        // read to the bound
                    }
                    if (!buffer.hasRemaining()) {
                        throw IncubatorException.validation(name, "grew past " + max + " bytes while read");
                    }
                    buffer.flip();
                    return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .decode(buffer).toString();
                }
            }
        } catch (NoSuchFileException e) {
            throw IncubatorException.validation(name, "is missing: the job writes it to"
                    + " $INCUBATOR_CHECKPOINT_DIR/" + folder + "/" + name + " when it finishes");
        } catch (CharacterCodingException e) {
            throw IncubatorException.validation(name, "is not UTF-8 text");
        } catch (IOException e) {
            throw IncubatorException.validation(name, "could not be read: " + e.getMessage());
        }
    }
}
