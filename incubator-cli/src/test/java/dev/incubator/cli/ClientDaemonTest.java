package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.server.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm client daemon as the launcher uses it: bin/incubator-daemon.sh's client in bash against a real daemon
 * process and a real server. Commands run in the caller's directory and environment with their own exit codes,
 * stdout and stderr; a caller without the secret runs nothing; a daemon of another build is not used.
 */
class ClientDaemonTest {
    @TempDir
    Path temp;

    private TestServer server;
    private Process daemon;
    private Path state;
    private Path jar;
    private Map<String, String> environment;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(temp.resolve("data"));
        server.createOrg("deep-lab");
        jar = Files.writeString(temp.resolve("incubator.jar"), "stands for the jar: only its mtime counts");
        state = temp.resolve("run/client-daemon");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        daemon = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.incubator.cli.ClientDaemon", state.toString(), jar.toString(), "1").inheritIO().start();
        Instant deadline = Instant.now().plusSeconds(30);
        while (!Files.exists(state) && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertThat(state).exists();
        environment = Map.of("INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", server.operatorToken(),
                "XDG_CONFIG_HOME", temp.resolve("config").toString());
    }

    @AfterEach
    void stop() {
        daemon.destroy();
        server.close();
    }

    private record Shell(int exitCode, String out, String err) {
    }

    /** Runs the launcher's daemon client in bash, in {@code directory}. */
    private Shell client(Path directory, String... args) throws Exception {
        String script = ". " + Path.of("..", "bin", "incubator-daemon.sh").toAbsolutePath() + "; incubator_daemon_run "
                + quote(state.toString()) + " " + quote(jar.toString()) + " " + String.join(" ",
                java.util.Arrays.stream(args).map(ClientDaemonTest::quote).toList());
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).directory(directory.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        return new Shell(process.waitFor(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    @Test
    void aCommandRunsInTheCallersDirectoryAndEnvironmentWithItsOwnOutputAndExitCode() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rw-------");
        Path work = Files.createDirectories(temp.resolve("work"));
        Files.writeString(work.resolve("train.yaml"), "org: deep-lab\nname: warm\ncommand: [\"true\"]\n");
        Shell submitted = client(work, "job", "submit", "-f", "train.yaml", "-o", "json");
        assertThat(submitted.exitCode()).as(submitted.err()).isZero();
        assertThat(submitted.out()).contains("\"name\" : \"warm\"");

        Shell missing = client(work, "org", "show", "nope");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).contains("organisation 'nope' not found");

        Shell usage = client(work, "org", "shwo");
        assertThat(usage.exitCode()).isEqualTo(2);

        environment = Map.of("INCUBATOR_URL", server.url().toString(), "XDG_CONFIG_HOME",
                temp.resolve("nobody").toString());
        Shell anonymous = client(work, "whoami");
        assertThat(anonymous.exitCode()).as("another caller's environment: no token").isEqualTo(1);
        assertThat(anonymous.err()).contains("not logged in");
    }

    @Test
    void aCallerWithoutTheSecretRunsNothing() throws Exception {
        String[] published = Files.readString(state).trim().split(" ");
        int before = server.get("/api/v1/orgs").token(server.operatorToken()).expect(200).path("items").size();
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(published[0]))) {
            OutputStream out = socket.getOutputStream();
            out.write(("0".repeat(64) + "\0run\0s\0/\0/tmp/x\0" + "2\0INCUBATOR_URL=" + server.url() + "\0"
                    + "INCUBATOR_TOKEN=" + server.operatorToken() + "\0" + "4\0org\0create\0intruders\0--kind=lab\0")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(5_000);
            assertThat(in.read()).as("dropped without a byte").isEqualTo(-1);
        }
        assertThat(server.get("/api/v1/orgs").token(server.operatorToken()).expect(200).path("items").size())
                .isEqualTo(before);
    }

    @Test
    void aDaemonOfAnotherBuildIsNotUsedAndLeaves() throws Exception {
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plus(Duration.ofMinutes(1))));
        Shell result = client(temp, "whoami");
        assertThat(result.exitCode()).as("not run: the launcher runs it itself").isEqualTo(100);
        assertThat(result.out()).isEmpty();
        assertThat(daemon.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(state).doesNotExist();
    }

    @Test
    void onlyQuickCommandsThatNeedNoTerminalGoToTheDaemon() throws Exception {
        String script = ". " + Path.of("..", "bin", "incubator-daemon.sh").toAbsolutePath() + "; for c in"
                + " 'queue' 'whoami -o json' 'job show job_x' 'serve' 'login --url u' 'hub push a b' 'hub pull a'"
                + " 'job logs j --follow' 'job submit -f -' 'job submit -f x --wait' 'queue --watch'; do"
                + " if incubator_daemon_eligible $c; then echo \"yes $c\"; else echo \"no $c\"; fi; done";
        Process process = new ProcessBuilder("bash", "-c", script).start();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).containsExactly("yes queue", "yes whoami -o json", "yes job show job_x", "no serve",
                "no login --url u", "no hub push a b", "no hub pull a", "no job logs j --follow",
                "no job submit -f -", "no job submit -f x --wait", "no queue --watch");
    }
}
