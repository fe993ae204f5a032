package dev.incubator.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;

/**
 * Keeps a warm JVM for the CLI's quick commands, as build tools keep their daemons: the {@code incubator} launcher
 * sends a command's arguments, working directory and environment over loopback, and the command runs here in a
 * thread of its own, its output streamed back, in a few milliseconds instead of a JVM's start.
 *
 * <p>Protocol (fields end with NUL): the client first opens the stderr connection
 * ({@code SECRET err SESSION}), then the command connection ({@code SECRET run SESSION CWD EXITFILE N K=V... M
 * ARG...}); the daemon writes the command's stdout to the command connection, its stderr to the other, its exit
 * code to EXITFILE, and closes both. A caller without the secret (in a file only the user can read) is dropped.
 * The daemon leaves when idle for {@code idleMinutes} or when its jar changes; the launcher then starts a new one.
 */
public final class ClientDaemon {
    private static final int MAX_FIELD = 1 << 20;

    private final byte[] secret;
    private final Path jar;
    private final long jarStamp;
    private final Map<String, Socket> errors = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Socket>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong lastUsed = new AtomicLong(System.nanoTime());

    private ClientDaemon(byte[] secret, Path jar) throws IOException {
        this.secret = secret;
        this.jar = jar;
        this.jarStamp = Files.getLastModifiedTime(jar).to(TimeUnit.SECONDS);
    }

    /** {@code ClientDaemon STATE-FILE JAR [IDLE-MINUTES]}: serves until idle, writing its port and secret to STATE. */
    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        long idleMinutes = args.length > 2 ? Long.parseLong(args[2]) : 15;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        ClientDaemon daemon = new ClientDaemon(HexFormat.of().formatHex(secret).getBytes(StandardCharsets.US_ASCII),
                jar);
        try (ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress())) {
            daemon.publish(state, server.getLocalPort());
            server.setSoTimeout(5_000);
            while (daemon.wanted(idleMinutes)) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (SocketTimeoutException idle) {
                    continue;
                }
                Thread.ofVirtual().start(() -> daemon.serve(socket));
            }
        } finally {
            // Another daemon may have published since: remove the state only if it is still ours.
            try {
                if (Files.readString(state).contains(new String(daemon.secret, StandardCharsets.US_ASCII))) {
                    Files.deleteIfExists(state);
                }
            } catch (IOException gone) {
                // nothing to clean
            }
        }
    }

    private void publish(Path state, int port) throws IOException {
        Files.createDirectories(state.getParent());
        Path temporary = state.resolveSibling(state.getFileName() + "." + ProcessHandle.current().pid());
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, port + " " + new String(secret, StandardCharsets.US_ASCII) + " " + jarStamp
                + "\n");
        Files.move(temporary, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // The launcher that started this daemon holds a lock directory against starting two.
        Files.deleteIfExists(state.resolveSibling(state.getFileName() + ".lock"));
    }

    private boolean wanted(long idleMinutes) {
        try {
            if (Files.getLastModifiedTime(jar).to(TimeUnit.SECONDS) != jarStamp) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        return System.nanoTime() - lastUsed.get() < TimeUnit.MINUTES.toNanos(idleMinutes);
    }

    private void serve(Socket socket) {
        lastUsed.set(System.nanoTime());
        try {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            if (!MessageDigest.isEqual(secret, field(in).getBytes(StandardCharsets.UTF_8))) {
                socket.close();
                return;
            }
            String kind = field(in);
            String session = field(in);
            if (kind.equals("err")) {
                waiting.computeIfAbsent(session, key -> new CompletableFuture<>()).complete(socket);
                return;
            }
            if (!kind.equals("run")) {
                socket.close();
                return;
            }
            Path cwd = Path.of(field(in));
            Path exitFile = Path.of(field(in));
            Map<String, String> environment = new LinkedHashMap<>();
            int variables = Integer.parseInt(field(in));
            for (int i = 0; i < variables; i++) {
                String entry = field(in);
                int equals = entry.indexOf('=');
                if (equals > 0) {
                    environment.put(entry.substring(0, equals), entry.substring(equals + 1));
                }
            }
            int count = Integer.parseInt(field(in));
            List<String> args = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                args.add(field(in));
            }
            Socket err = waiting.computeIfAbsent(session, key -> new CompletableFuture<>()).get(5, TimeUnit.SECONDS);
            waiting.remove(session);
            try (socket; err; PrintWriter out = writer(socket.getOutputStream());
                 PrintWriter errWriter = writer(err.getOutputStream())) {
                int exit = run(args.toArray(String[]::new), cwd, environment, out, errWriter);
                out.flush();
                errWriter.flush();
                Files.writeString(exitFile, exit + "\n");
            }
        } catch (Exception e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the client is gone
            }
        } finally {
            lastUsed.set(System.nanoTime());
        }
    }

    /** Runs one command as the CLI's main would, in the caller's directory and environment. */
    static int run(String[] args, Path cwd, Map<String, String> environment, PrintWriter out, PrintWriter err) {
        return IncubatorCommand.withEnvironment(environment, () -> {
            CommandLine commandLine = IncubatorCommand.commandLine(args);
            commandLine.registerConverter(Path.class, text -> cwd.resolve(text).normalize());
            commandLine.setOut(out);
            commandLine.setErr(err);
            return commandLine.execute(args);
        });
    }

    private static PrintWriter writer(OutputStream stream) {
        return new PrintWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    private static String field(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != 0; b = in.read()) {
            if (b < 0 || bytes.size() > MAX_FIELD) {
                throw new IOException("the client's request ended early");
            }
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
