package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.server.TestServer;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hub push, pull, ls, log, diff and fsck as a user types them, against a real server. */
class HubCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private TestServer server;


    @BeforeEach
    void start() {
        server = TestServer.start(temp.resolve("data"));
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", server.operatorToken()));
        server.createOrg("deep-lab");
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void aModelIsPushedPulledByteIdenticalAndItsNextVersionSendsOnlyTheChange() throws Exception {
        assertThat(run("hub", "create", "deep-lab/med-7b").exitCode()).isZero();
        Path model = temp.resolve("model");
        Files.createDirectories(model.resolve("tokenizer"));
        Files.write(model.resolve("model.safetensors"), random(1, 3_000_000));
        Files.writeString(model.resolve("README.md"), "---\nlicense: apache-2.0\nbase_model: Qwen/Qwen2-7B\n---\n# Med");
        Files.writeString(model.resolve("tokenizer/vocab.txt"), "a\nb\n");

        CliRun first = run("hub", "push", model.toString(), "deep-lab/med-7b", "-m", "first version", "-o", "json");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.json().path("files").asInt()).isEqualTo(3);
        assertThat(first.json().path("chunks_sent").asInt()).isEqualTo(first.json().path("chunks").asInt());

        Path copy = temp.resolve("copy");
        CliRun pull = run("hub", "pull", "deep-lab/med-7b", copy.toString(), "-o", "json");
        assertThat(pull.exitCode()).as(pull.err()).isZero();
        assertThat(Files.readAllBytes(copy.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(model.resolve("model.safetensors")));
        assertThat(Files.readString(copy.resolve("tokenizer/vocab.txt"))).isEqualTo("a\nb\n");
        assertThat(run("hub", "pull", "deep-lab/med-7b", copy.toString(), "-o", "json").json().path("downloaded")
                .asInt()).as("a second pull finds everything in place").isZero();

        try (RandomAccessFile file = new RandomAccessFile(model.resolve("model.safetensors").toFile(), "rw")) {
            file.seek(1_500_000);
            file.write(random(2, 4_096));
        }
        CliRun second = run("hub", "push", model.toString(), "deep-lab/med-7b", "-m", "tweak", "-o", "json");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.json().path("chunks_sent").asInt()).isBetween(1, 3);
        assertThat(second.json().path("bytes_sent").asLong()).isLessThan(600_000);

        assertThat(run("hub", "log", "deep-lab/med-7b").out()).contains("tweak").contains("first version")
                .contains("initial commit");
        String firstCommit = first.json().path("commit").asText();
        CliRun diff = run("hub", "diff", "deep-lab/med-7b", firstCommit);
        assertThat(diff.out()).contains("M model.safetensors").contains("1 change(s)");
        assertThat(run("hub", "ls", "deep-lab/med-7b@" + firstCommit.substring(0, 10)).out())
                .contains("model.safetensors").contains("3 file(s)");
        assertThat(run("hub", "ls", "--search", "qwen2-7b").out()).contains("deep-lab/med-7b");
        Path only = temp.resolve("only-tokenizer");
        CliRun picked = run("hub", "pull", "deep-lab/med-7b", only.toString(), "--include", "tokenizer/**", "-o", "json");
        assertThat(picked.exitCode()).as(picked.err()).isZero();
        assertThat(picked.json().path("files").asInt()).isEqualTo(1);
        assertThat(only.resolve("tokenizer/vocab.txt")).exists();
        assertThat(only.resolve("model.safetensors")).doesNotExist();
        Path light = temp.resolve("light");
        assertThat(run("hub", "pull", "deep-lab/med-7b", light.toString(), "--exclude", "*.safetensors").exitCode())
                .isZero();
        assertThat(light.resolve("README.md")).exists();
        assertThat(light.resolve("model.safetensors")).doesNotExist();
        CliRun none = run("hub", "pull", "deep-lab/med-7b", light.toString(), "--include", "*.gguf");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).contains("no file").contains("*.gguf");
        CliRun again = run("hub", "push", model.toString(), "deep-lab/med-7b", "-m", "same again");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("nothing changed").contains("no commit made");
        assertThat(run("hub", "log", "deep-lab/med-7b").out()).doesNotContain("same again");
        run("hub", "create", "datasets/deep-lab/notes");
        CliRun both = run("hub", "ls");
        assertThat(both.out()).as("models and datasets, named as typed").contains("deep-lab/med-7b")
                .contains("datasets/deep-lab/notes");
        assertThat(run("hub", "ls", "--kind", "dataset").out()).contains("datasets/deep-lab/notes")
                .doesNotContain("med-7b");
        assertThat(run("hub", "ls", "--kind", "models", "--limit", "1").out()).contains("deep-lab/med-7b");
        assertThat(run("hub", "tag", "deep-lab/med-7b@" + firstCommit, "v1").exitCode()).isZero();
        Path v1 = temp.resolve("v1");
        assertThat(run("hub", "pull", "deep-lab/med-7b@v1", v1.toString()).exitCode()).isZero();
        assertThat(HubTransfer.sha256(v1.resolve("model.safetensors"))).isEqualTo(HubTransfer.sha256(
                copy.resolve("model.safetensors")));
        CliRun fsck = run("hub", "fsck");
        assertThat(fsck.exitCode()).as(fsck.out()).isZero();
        assertThat(fsck.out()).startsWith("clean");
    }

    @Test
    void anInterruptedDownloadResumesAndACorruptedPartIsDetected() throws Exception {
        run("hub", "create", "datasets/deep-lab/corpus");
        Path data = temp.resolve("corpus");
        Files.createDirectories(data);
        byte[] bytes = random(3, 2_000_000);
        Files.write(data.resolve("train.bin"), bytes);
        assertThat(run("hub", "push", data.toString(), "datasets/deep-lab/corpus").exitCode()).isZero();

        Path target = temp.resolve("target");
        Files.createDirectories(target);
        Files.write(target.resolve("train.bin.part"), java.util.Arrays.copyOf(bytes, 700_000));
        CliRun resumed = run("hub", "pull", "datasets/deep-lab/corpus", target.toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(Files.readAllBytes(target.resolve("train.bin"))).isEqualTo(bytes);

        Path other = temp.resolve("other");
        Files.createDirectories(other);
        byte[] wrong = java.util.Arrays.copyOf(bytes, 700_000);
        wrong[10] ^= 1;
        Files.write(other.resolve("train.bin.part"), wrong);
        CliRun refused = run("hub", "pull", "datasets/deep-lab/corpus", other.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("train.bin arrived with SHA-256");
        assertThat(Files.exists(other.resolve("train.bin"))).isFalse();
        assertThat(run("hub", "pull", "datasets/deep-lab/corpus", other.toString()).exitCode()).isZero();
    }

    @Test
    void mistakesGetClearMessages() {
        CliRun badName = run("hub", "push", temp.toString(), "just-a-name");
        assertThat(badName.exitCode()).isEqualTo(1);
        assertThat(badName.err()).contains("NAMESPACE/NAME");
        CliRun missing = run("hub", "pull", "deep-lab/nothing", temp.resolve("x").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("not found");
        assertThat(run("hub", "push", temp.resolve("nope").toString(), "deep-lab/x").err())
                .contains("is not a directory");
    }

    private static byte[] random(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
