package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.hub.chunk.Chunker;
import dev.incubator.hub.chunk.Frames;
import dev.incubator.hub.chunk.Hashes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hub over HTTP: the native push/pull protocol and the Hugging Face routes. */
class HubApiTest {
    @TempDir
    Path dataDir;
    private TestServer server;
    private String alice;
    private String bob;

    /** The server under test; a subclass puts the packs elsewhere. */
    protected TestServer startServer(Path dataDir) {
        return TestServer.start(dataDir);
    }

    @BeforeEach
    void start() {
        server = startServer(dataDir);
        server.createOrg("alpha");
        server.createOrg("beta");
        server.createUser("alice");
        server.createUser("bob");
        server.addMember("alpha", "alice", "member");
        server.addMember("beta", "bob", "member");
        alice = server.tokenFor("alice", "read", "write");
        bob = server.tokenFor("bob", "read", "write");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aPushedFileDownloadsWholeByRangeAndRevalidatesByEtag() throws IOException {
        createRepo(alice, "alpha", "llm", "organisation");
        byte[] data = random(1, 700_000);
        JsonNode commit = push(alice, "models/alpha/llm", "weights/model.safetensors", data);
        assertThat(commit.path("id").asText()).hasSize(40);

        String file = "/api/v1/repos/model/alpha/llm/files/main/weights/model.safetensors";
        TestServer.Response whole = server.get(file).token(alice).send();
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(data);
        String etag = whole.header("ETag").orElseThrow();
        assertThat(etag).isEqualTo("\"" + Hashes.sha256(data) + "\"");

        TestServer.Response range = server.get(file).token(alice).header("Range", "bytes=100000-100099").send();
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.header("Content-Range")).hasValue("bytes 100000-100099/700000");
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(data, 100_000, 100_100));
        assertThat(server.get(file).token(alice).header("If-None-Match", etag).send().status()).isEqualTo(304);
        assertThat(server.get(file).token(alice).header("Range", "bytes=800000-").send().status()).isEqualTo(416);

        JsonNode tree = server.get("/api/v1/repos/model/alpha/llm/tree/main").token(alice).expect(200);
        assertThat(tree.path("files").findValuesAsText("path")).containsExactly("weights/model.safetensors");
    }

    @Test
    void aSecondPushSendsOnlyTheChunksThatChanged() throws IOException {
        createRepo(alice, "alpha", "tuned", "organisation");
        byte[] v1 = random(2, 900_000);
        push(alice, "models/alpha/tuned", "model.bin", v1);
        byte[] v2 = v1.clone();
        System.arraycopy(random(3, 1_000), 0, v2, 450_000, 1_000);
        List<String> hashes = chunkHashes(v2);
        JsonNode missing = server.post("/api/v1/repos/model/alpha/tuned/chunks/missing").token(alice)
                .json(Map.of("chunks", hashes)).expect(200);
        assertThat(missing.path("missing").size()).isBetween(1, 3).isLessThan(hashes.size());
    }

    @Test
    void otherTenantsSeeNothingAndAnonymousReadersSeeOnlyPublicRepositories() throws IOException {
        createRepo(alice, "alpha", "internal", "organisation");
        createRepo(alice, "alpha", "open", "public");
        push(alice, "models/alpha/open", "README.md", "---\nlicense: mit\n---\nhello".getBytes(StandardCharsets.UTF_8));
        assertThat(server.get("/api/v1/repos/model/alpha/internal").token(bob).send().status()).isEqualTo(404);
        assertThat(server.get("/api/v1/repos/model/alpha/internal").send().status()).isEqualTo(404);
        assertThat(server.post("/api/v1/repos/model/alpha/open/chunks/missing").token(bob)
                .json(Map.of("chunks", List.of())).send().status()).isEqualTo(403);
        assertThat(server.get("/api/v1/repos?search=mit").send().json().path("items").findValuesAsText("name"))
                .containsExactly("open");
        assertThat(new String(server.get("/api/v1/repos/model/alpha/open/files/main/README.md").send().body(),
                StandardCharsets.UTF_8)).endsWith("hello");
    }

    @Test
    void aCommitNamingChunksNeverUploadedIsRefusedWithTheReason() throws IOException {
        createRepo(alice, "alpha", "partial", "organisation");
        byte[] data = random(4, 300_000);
        JsonNode problem = server.post("/api/v1/repos/model/alpha/partial/commits").token(alice)
                .json(commitBody("w.bin", data)).expect(400);
        assertThat(problem.toString()).contains("were not uploaded");
    }

    @Test
    void noFileUnderTheDataDirectoryHoldsAPushedMarkerWhicheverWayItArrived() throws IOException {
        String marker = "ZETA-MARKER-4417-do-not-store-in-clear";
        byte[] text = (marker + " some patient notes\n").repeat(3_000).getBytes(StandardCharsets.UTF_8);
        createRepo(alice, "alpha", "secret", "private");
        push(alice, "models/alpha/secret", "notes.txt", text);
        server.commit(alice, "models/alpha/secret", Map.of("inline.txt", marker)).expect(200);
        server.close();
        try (var files = java.nio.file.Files.walk(dataDir)) {
            for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                assertThat(new String(java.nio.file.Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                        .as(file.toString()).doesNotContain("ZETA-MARKER-4417");
            }
        }
        server = startServer(dataDir);
        assertThat(server.get("/api/v1/repos/model/alpha/secret/files/main/notes.txt").token(alice).send().body())
                .isEqualTo(text);
    }

    @Test
    void tagsPinARevisionAndBranchesTakePushes() throws IOException {
        createRepo(alice, "alpha", "tagged", "organisation");
        JsonNode first = push(alice, "models/alpha/tagged", "a.txt", "one".getBytes(StandardCharsets.UTF_8));
        server.post("/api/v1/repos/model/alpha/tagged/refs").token(alice).json(Map.of("name", "v1.0", "kind", "tag"))
                .expect(201);
        push(alice, "models/alpha/tagged", "a.txt", "two".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(server.get("/api/v1/repos/model/alpha/tagged/files/v1.0/a.txt").token(alice).send()
                .body(), StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(server.get("/api/v1/repos/model/alpha/tagged/tree/v1.0").token(alice).expect(200).path("commit")
                .asText()).isEqualTo(first.path("id").asText());
        assertThat(server.post("/api/v1/repos/model/alpha/tagged/refs").token(alice)
                .json(Map.of("name", "v1.0", "kind", "tag")).send().status()).isEqualTo(409);
        assertThat(server.request("DELETE", "/api/v1/repos/model/alpha/tagged/refs/main").token(alice).send().status())
                .isEqualTo(400);
    }

    @Test
    void operatorsCheckAndCollectTheStore() throws IOException {
        createRepo(alice, "alpha", "checked", "organisation");
        push(alice, "models/alpha/checked", "a.bin", random(5, 200_000));
        JsonNode fsck = server.post("/api/v1/hub/fsck").token(server.operatorToken()).expect(200);
        assertThat(fsck.path("clean").asBoolean()).isTrue();
        assertThat(fsck.path("bytes_checked").asLong()).isGreaterThan(200_000);
        assertThat(server.post("/api/v1/hub/fsck").token(alice).send().status()).isEqualTo(403);
        assertThat(server.post("/api/v1/hub/gc").token(server.operatorToken()).expect(200).path("chunks").asInt())
                .isZero();
    }

    @Test
    void huggingFaceClientsCreateUploadThroughLfsCommitListAndResolve() throws IOException {
        JsonNode whoami = server.get("/api/whoami-v2").token(alice).expect(200);
        assertThat(whoami.path("name").asText()).isEqualTo("alice");
        assertThat(whoami.path("orgs").findValuesAsText("name")).containsExactly("alpha");

        JsonNode created = server.post("/api/repos/create").token(alice).json(Map.of("name", "hf-model",
                "organization", "alpha", "type", "model", "private", true)).expect(200);
        assertThat(created.path("url").asText()).endsWith("/alpha/hf-model");

        byte[] weights = random(6, 2_000_000);
        String oid = Hashes.sha256(weights);
        JsonNode pre = server.post("/api/models/alpha/hf-model/preupload/main").token(alice).json(Map.of("files",
                List.of(Map.of("path", "model.safetensors", "size", weights.length, "sample",
                        Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(weights, 512))),
                        Map.of("path", "config.json", "size", 2, "sample", Base64.getEncoder().encodeToString(
                                "{}".getBytes(StandardCharsets.UTF_8)))))).expect(200);
        assertThat(pre.path("files").findValuesAsText("uploadMode")).containsExactly("lfs", "regular");

        JsonNode batch = server.post("/alpha/hf-model.git/info/lfs/objects/batch").token(alice)
                .raw("application/vnd.git-lfs+json", TestServer.JSON.writeValueAsBytes(Map.of("operation", "upload",
                        "transfers", List.of("basic"), "objects", List.of(Map.of("oid", oid, "size", weights.length)))))
                .expect(200);
        String href = batch.path("objects").get(0).path("actions").path("upload").path("href").asText();
        String path = href.substring(href.indexOf("/api/"));
        assertThat(server.request("PUT", path).raw("application/octet-stream", weights).send().status()).isEqualTo(200);
        assertThat(server.request("PUT", path.replace("sig=", "sig=0")).raw("application/octet-stream", weights)
                .send().status()).isEqualTo(403);
        JsonNode again = server.post("/alpha/hf-model.git/info/lfs/objects/batch").token(alice)
                .raw("application/vnd.git-lfs+json", TestServer.JSON.writeValueAsBytes(Map.of("operation", "upload",
                        "objects", List.of(Map.of("oid", oid, "size", weights.length))))).expect(200);
        assertThat(again.path("objects").get(0).has("actions")).as("already stored: nothing to upload").isFalse();

        String ndjson = String.join("\n",
                "{\"key\":\"header\",\"value\":{\"summary\":\"Upload model\",\"description\":\"\"}}",
                "{\"key\":\"file\",\"value\":{\"path\":\"config.json\",\"content\":\""
                        + Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8))
                        + "\",\"encoding\":\"base64\"}}",
                "{\"key\":\"lfsFile\",\"value\":{\"path\":\"model.safetensors\",\"algo\":\"sha256\",\"oid\":\"" + oid
                        + "\",\"size\":" + weights.length + "}}");
        JsonNode commit = server.post("/api/models/alpha/hf-model/commit/main").token(alice)
                .raw("application/x-ndjson", ndjson).expect(200);
        String commitOid = commit.path("commitOid").asText();

        JsonNode info = server.get("/api/models/alpha/hf-model/revision/main").token(alice).expect(200);
        assertThat(info.path("sha").asText()).isEqualTo(commitOid);
        assertThat(info.path("private").asBoolean()).isTrue();
        assertThat(info.path("siblings").findValuesAsText("rfilename")).containsExactly("config.json",
                "model.safetensors");
        JsonNode tree = server.get("/api/models/alpha/hf-model/tree/main?recursive=true").token(alice).expect(200);
        assertThat(tree.findValuesAsText("path")).containsExactly("config.json", "model.safetensors");
        assertThat(tree.get(1).path("lfs").path("oid").asText()).isEqualTo(oid);
        assertThat(tree.get(0).path("oid").asText()).isEqualTo(Hashes.gitBlobId("{}".getBytes(StandardCharsets.UTF_8)));

        TestServer.Response head = server.request("HEAD", "/alpha/hf-model/resolve/main/model.safetensors").token(alice)
                .send();
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("X-Repo-Commit")).hasValue(commitOid);
        assertThat(head.header("X-Linked-Etag")).hasValue("\"" + oid + "\"");
        assertThat(head.header("X-Linked-Size")).hasValue(Integer.toString(weights.length));
        assertThat(server.get("/alpha/hf-model/resolve/" + commitOid + "/model.safetensors").token(alice).send().body())
                .isEqualTo(weights);
        TestServer.Response missing = server.get("/alpha/hf-model/resolve/main/nope.bin").token(alice).send();
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("X-Error-Code")).hasValue("EntryNotFound");
        assertThat(server.get("/alpha/hf-model/resolve/main/model.safetensors").token(bob).send().status())
                .isEqualTo(404);

        // git-lfs downloads: the batch API's href serves the object to readers of this repository only.
        JsonNode download = server.post("/alpha/hf-model.git/info/lfs/objects/batch").token(alice)
                .raw("application/vnd.git-lfs+json", TestServer.JSON.writeValueAsBytes(Map.of("operation", "download",
                        "objects", List.of(Map.of("oid", oid, "size", weights.length), Map.of("oid",
                                Hashes.sha256("not here".getBytes(StandardCharsets.UTF_8)), "size", 8))))).expect(200);
        String object = download.path("objects").get(0).path("actions").path("download").path("href").asText();
        assertThat(download.path("objects").get(1).path("error").path("code").asInt()).isEqualTo(404);
        String objectPath = object.substring(object.indexOf("/api/"));
        assertThat(server.get(objectPath).token(alice).send().body()).isEqualTo(weights);
        assertThat(server.get(objectPath).token(bob).send().status()).isEqualTo(404);
        assertThat(server.get(objectPath).send().status()).as("anonymous, private repository").isEqualTo(404);
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private void createRepo(String token, String namespace, String name, String visibility) {
        server.post("/api/v1/repos").token(token).json(Map.of("kind", "model", "namespace", namespace, "name", name,
                "visibility", visibility)).expect(201);
    }

    /** The native push: ask which chunks are missing, upload those, commit. */
    private JsonNode push(String token, String repo, String path, byte[] data) throws IOException {
        String base = "/api/v1/repos/" + repo.replaceFirst("^models/", "model/").replaceFirst("^datasets/", "dataset/");
        List<byte[]> chunks = chunks(data);
        List<String> hashes = chunks.stream().map(Hashes::sha256).toList();
        JsonNode missing = server.post(base + "/chunks/missing").token(token).json(Map.of("chunks", hashes)).expect(200);
        List<String> wanted = new ArrayList<>();
        missing.path("missing").forEach(node -> wanted.add(node.asText()));
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (byte[] chunk : chunks) {
            String hash = Hashes.sha256(chunk);
            if (wanted.remove(hash)) {
                Frames.write(frames, hash, chunk, 0, chunk.length);
            }
        }
        server.post(base + "/chunks").token(token).raw("application/octet-stream", frames.toByteArray()).expect(200);
        return server.post(base + "/commits").token(token).json(commitBody(path, data)).expect(201);
    }

    private static Map<String, Object> commitBody(String path, byte[] data) throws IOException {
        List<List<Object>> refs = new ArrayList<>();
        for (byte[] chunk : chunks(data)) {
            refs.add(List.of(Hashes.sha256(chunk), chunk.length));
        }
        return Map.of("branch", "main", "message", "add " + path, "files", List.of(Map.of("path", path,
                "sha256", Hashes.sha256(data), "size", data.length, "chunks", refs)));
    }

    private static List<byte[]> chunks(byte[] data) throws IOException {
        List<byte[]> chunks = new ArrayList<>();
        new Chunker(Chunker.Params.DEFAULT).split(new ByteArrayInputStream(data), (buffer, offset, length) ->
                chunks.add(java.util.Arrays.copyOfRange(buffer, offset, offset + length)));
        return chunks;
    }

    private static List<String> chunkHashes(byte[] data) throws IOException {
        return chunks(data).stream().map(Hashes::sha256).toList();
    }

    private static byte[] random(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
