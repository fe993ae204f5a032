package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Xet protocol as a client speaks it, without Node.js: CAS tokens, xorb and shard upload into the repository's
 * encryption domain, a commit naming the file by SHA-256, reconstruction (v1, v2) and the signed xorb ranges, the
 * deduplication query; and what must be refused: forged objects, lying shards, another tenant's content and
 * tokens used beyond what they grant.
 */
class XetApiTest {
    @TempDir
    Path dataDir;

    private TestServer server;
    private String member;
    private String rival;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        server.createOrg("lab");
        server.createOrg("rival");
        server.createUser("ada");
        server.createUser("eve");
        server.addMember("lab", "ada", "member");
        server.addMember("rival", "eve", "member");
        member = server.tokenFor("ada", "read", "write");
        rival = server.tokenFor("eve", "read", "write");
        server.post("/api/repos/create").token(member).json(Map.of("name", "lab/model", "private", true)).expect(200);
        server.post("/api/repos/create").token(rival).json(Map.of("name", "rival/model", "private", true)).expect(200);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Cas(String url, String token) {
    }

    private Cas token(String platformToken, String repo, String scope) {
        JsonNode body = server.get("/api/models/" + repo + "/xet-" + scope + "-token/main").token(platformToken)
                .expect(200);
        String url = body.path("casUrl").asText();
        return new Cas(url.substring(url.indexOf("/api/")), body.path("accessToken").asText());
    }

    private TestServer.Response post(Cas cas, String path, byte[] body) {
        return server.post(cas.url() + path).header("Authorization", "Bearer " + cas.token())
                .raw("application/octet-stream", body).send();
    }

    private TestServer.Response get(Cas cas, String path) {
        return server.get(cas.url() + path).header("Authorization", "Bearer " + cas.token()).send();
    }

    @Test
    void aFileUploadedOverXetIsCommittedByItsSha256AndReconstructedByteIdentical() throws Exception {
        XetTestClient.Xorb first = XetTestClient.xorb(XetTestClient.chunks(1, 5, 40_000));
        XetTestClient.Xorb second = XetTestClient.xorb(XetTestClient.chunks(2, 3, 30_000));
        List<XetTestClient.Term> terms = List.of(new XetTestClient.Term(first, 0, 5),
                new XetTestClient.Term(second, 1, 3));
        byte[] content = XetTestClient.content(terms);
        String sha256 = XetTestClient.sha256(content);

        Cas write = token(member, "lab/model", "write");
        JsonNode inserted = post(write, "/v1/xorbs/default/" + first.hash(), first.bytes()).json();
        assertThat(inserted.path("was_inserted").asBoolean()).isTrue();
        assertThat(post(write, "/v1/xorbs/default/" + first.hash(), first.bytes()).json().path("was_inserted")
                .asBoolean()).as("a xorb sent twice is stored once").isFalse();
        assertThat(post(write, "/v1/xorbs/default/" + second.hash(), second.bytes()).status()).isEqualTo(200);
        assertThat(post(write, "/v1/shards", XetTestClient.shard(terms, sha256)).json().path("result").asInt())
                .isEqualTo(1);
        server.post("/api/models/lab/model/commit/main").token(member).raw("application/x-ndjson",
                "{\"key\":\"header\",\"value\":{\"summary\":\"weights over xet\"}}\n"
                + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"model.bin\",\"algo\":\"sha256\",\"oid\":\"" + sha256
                + "\",\"size\":" + content.length + "}}\n").expect(200);

        TestServer.Response plain = server.get("/lab/model/resolve/main/model.bin").token(member).send();
        assertThat(plain.body()).isEqualTo(content);
        String fileHash = XetTestClient.fileHash(terms);
        assertThat(plain.header("X-Xet-Hash")).contains(fileHash);
        JsonNode info = server.get("/lab/model/resolve/main/model.bin").token(member)
                .header("Accept", "application/vnd.xet-fileinfo+json, */*").expect(200);
        assertThat(info.path("hash").asText()).isEqualTo(fileHash);

        Cas read = token(member, "lab/model", "read");
        JsonNode v2 = get(read, "/v2/reconstructions/" + fileHash).json();
        assertThat(v2.path("terms")).hasSize(2);
        assertThat(rebuild(v2, 2)).isEqualTo(content);
        JsonNode v1 = get(read, "/v1/reconstructions/" + fileHash).json();
        assertThat(rebuild(v1, 1)).isEqualTo(content);

        // A byte range of the file: the terms that cover it, and where in the first one it starts.
        TestServer.Response ranged = server.get(read.url() + "/v2/reconstructions/" + fileHash)
                .header("Authorization", "Bearer " + read.token()).header("Range", "bytes=210000-210099").send();
        assertThat(ranged.json().path("terms")).hasSize(1);
        assertThat(ranged.json().path("offset_into_first_range").asLong()).isEqualTo(210_000 - 200_000);
    }

    @Test
    void theDeduplicationQueryNamesTheXorbThatHoldsAChunk() throws Exception {
        XetTestClient.Xorb xorb = XetTestClient.xorb(XetTestClient.chunks(3, 4, 20_000));
        Cas write = token(member, "lab/model", "write");
        post(write, "/v1/xorbs/default/" + xorb.hash(), xorb.bytes());
        String chunk = dev.incubator.hub.xet.XetHash.hex(xorb.nodes().get(2).hash());
        TestServer.Response found = get(write, "/v1/chunks/default/" + chunk);
        assertThat(found.status()).isEqualTo(200);
        byte[] shard = found.body();
        // The xorb hash (raw bytes) appears in the shard's xorb section; the chunk hashes are keyed, not plain.
        assertThat(indexOf(shard, dev.incubator.hub.xet.XetHash.parse(xorb.hash()))).isPositive();
        assertThat(indexOf(shard, xorb.nodes().get(2).hash())).isNegative();
        assertThat(get(write, "/v1/chunks/default/" + "0".repeat(64)).status()).isEqualTo(404);
        Cas theirs = token(rival, "rival/model", "write");
        assertThat(get(theirs, "/v1/chunks/default/" + chunk).status())
                .as("another tenant's domain does not answer for this chunk").isEqualTo(404);
    }

    @Test
    void forgedXorbsAndLyingShardsAreRefusedAndRegisterNothing() throws Exception {
        XetTestClient.Xorb xorb = XetTestClient.xorb(XetTestClient.chunks(4, 3, 10_000));
        Cas write = token(member, "lab/model", "write");
        TestServer.Response forged = post(write, "/v1/xorbs/default/" + "ab".repeat(32), xorb.bytes());
        assertThat(forged.status()).isEqualTo(400);
        assertThat(forged.text()).contains("hash to " + xorb.hash());
        byte[] cut = java.util.Arrays.copyOf(xorb.bytes(), xorb.bytes().length - 5);
        assertThat(post(write, "/v1/xorbs/default/" + xorb.hash(), cut).text()).contains("ends inside");
        byte[] unknown = xorb.bytes().clone();
        unknown[4] = 9;
        assertThat(post(write, "/v1/xorbs/default/" + xorb.hash(), unknown).text()).contains("compression scheme 9");

        List<XetTestClient.Term> terms = List.of(new XetTestClient.Term(xorb, 0, 3));
        byte[] content = XetTestClient.content(terms);
        TestServer.Response missing = post(write, "/v1/shards", XetTestClient.shard(terms,
                XetTestClient.sha256(content)));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.text()).contains("was not uploaded");

        post(write, "/v1/xorbs/default/" + xorb.hash(), xorb.bytes());
        TestServer.Response lie = post(write, "/v1/shards", XetTestClient.shard(terms, "0".repeat(64)));
        assertThat(lie.status()).isEqualTo(400);
        assertThat(lie.text()).contains("SHA-256 " + XetTestClient.sha256(content));
        TestServer.Response commit = server.post("/api/models/lab/model/commit/main").token(member)
                .raw("application/x-ndjson", "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n"
                        + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"x.bin\",\"oid\":\"" + "0".repeat(64)
                        + "\",\"size\":" + content.length + "}}\n").send();
        assertThat(commit.status()).isEqualTo(400);
        assertThat(post(write, "/v1/shards", "not a shard".getBytes()).text()).contains("ends inside");
    }

    @Test
    void tokensGrantOneRepositoryAndOneScopeAndNobodyCrossesATenantsWall() throws Exception {
        XetTestClient.Xorb xorb = XetTestClient.xorb(XetTestClient.chunks(5, 2, 10_000));
        List<XetTestClient.Term> terms = List.of(new XetTestClient.Term(xorb, 0, 2));
        byte[] content = XetTestClient.content(terms);
        Cas write = token(member, "lab/model", "write");
        post(write, "/v1/xorbs/default/" + xorb.hash(), xorb.bytes());
        post(write, "/v1/shards", XetTestClient.shard(terms, XetTestClient.sha256(content)));
        server.post("/api/models/lab/model/commit/main").token(member).raw("application/x-ndjson",
                "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n{\"key\":\"lfsFile\",\"value\":{\"path\":"
                + "\"x.bin\",\"oid\":\"" + XetTestClient.sha256(content) + "\",\"size\":" + content.length + "}}\n")
                .expect(200);
        String fileHash = XetTestClient.fileHash(terms);

        // Another tenant gets no token for this repository, and its own tokens reach neither the file nor the xorb.
        server.get("/api/models/lab/model/xet-read-token/main").token(rival).expect(404);
        server.get("/api/models/lab/model/xet-write-token/main").token(rival).expect(404);
        Cas theirs = token(rival, "rival/model", "write");
        assertThat(get(theirs, "/v2/reconstructions/" + fileHash).status()).isEqualTo(404);
        TestServer.Response borrowed = post(theirs, "/v1/shards", XetTestClient.shard(terms,
                XetTestClient.sha256(content)));
        assertThat(borrowed.status()).as("a shard can not name another domain's xorbs").isEqualTo(400);

        // A read token does not write; a forged or absent token is refused; a tampered xorb URL is refused.
        Cas read = token(member, "lab/model", "read");
        assertThat(post(read, "/v1/xorbs/default/" + xorb.hash(), xorb.bytes()).status()).isEqualTo(403);
        assertThat(server.get(read.url() + "/v2/reconstructions/" + fileHash).send().status()).isEqualTo(401);
        Cas forged = new Cas(read.url(), read.token().substring(0, read.token().length() - 2) + "AA");
        assertThat(get(forged, "/v2/reconstructions/" + fileHash).status()).isEqualTo(401);
        String url = get(read, "/v2/reconstructions/" + fileHash).json().path("xorbs").path(xorb.hash()).get(0)
                .path("url").asText();
        String path = url.substring(url.indexOf("/api/"));
        assertThat(server.get(path).send().status()).isEqualTo(200);
        assertThat(server.get(path.replaceAll("sig=[^&]+", "sig=forged")).send().status()).isEqualTo(403);

        // A file only counts for a repository whose commits name it.
        Cas rivalRead = token(rival, "rival/model", "read");
        assertThat(get(rivalRead, "/v1/reconstructions/" + fileHash).status()).isEqualTo(404);
    }

    @Test
    void aXorbWhoseChunksGarbageCollectionRemovedIsNeitherOfferedNorTakenAsUploaded(@TempDir Path other)
            throws Exception {
        MutableClock clock = new MutableClock(java.time.Instant.now());
        try (TestServer later = TestServer.start(other, clock, java.util.Optional.empty())) {
            later.createOrg("lab");
            later.createUser("ada");
            later.addMember("lab", "ada", "member");
            String ada = later.tokenFor("ada", "read", "write");
            later.post("/api/repos/create").token(ada).json(Map.of("name", "lab/model")).expect(200);
            TestServer saved = server;
            server = later;
            try {
                XetTestClient.Xorb xorb = XetTestClient.xorb(XetTestClient.chunks(6, 3, 10_000));
                String chunk = dev.incubator.hub.xet.XetHash.hex(xorb.nodes().get(0).hash());
                Cas write = token(ada, "lab/model", "write");
                post(write, "/v1/xorbs/default/" + xorb.hash(), xorb.bytes());
                assertThat(get(write, "/v1/chunks/default/" + chunk).status()).isEqualTo(200);

                // Never registered by a shard nor committed: after the grace period the chunks go.
                clock.advance(java.time.Duration.ofDays(30));
                assertThat(get(write, "/v1/chunks/default/" + chunk).status()).as("the token expired").isEqualTo(401);
                later.post("/api/v1/hub/gc").token(later.operatorToken()).expect(200);
                Cas fresh = token(ada, "lab/model", "write");
                assertThat(get(fresh, "/v1/chunks/default/" + chunk).status()).isEqualTo(404);
                assertThat(post(fresh, "/v1/xorbs/default/" + xorb.hash(), xorb.bytes()).json().path("was_inserted")
                        .asBoolean()).as("stored again").isTrue();
                List<XetTestClient.Term> terms = List.of(new XetTestClient.Term(xorb, 0, 3));
                assertThat(post(fresh, "/v1/shards", XetTestClient.shard(terms, XetTestClient.sha256(
                        XetTestClient.content(terms)))).status()).isEqualTo(200);
            } finally {
                server = saved;
            }
        }
    }

    /** Rebuilds a file from a reconstruction answer by fetching each term's xorb bytes, as a client does. */
    private byte[] rebuild(JsonNode answer, int version) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonNode fetch = version == 1 ? answer.path("fetch_info") : answer.path("xorbs");
        for (JsonNode term : answer.path("terms")) {
            JsonNode entry = fetch.path(term.path("hash").asText()).get(0);
            JsonNode bytes = version == 1 ? entry.path("url_range") : entry.path("ranges").get(0).path("bytes");
            String url = entry.path("url").asText();
            byte[] data = server.get(url.substring(url.indexOf("/api/"))).header("Range", "bytes="
                    + bytes.path("start").asLong() + "-" + bytes.path("end").asLong()).send().body();
            int position = 0;
            while (position < data.length) {
                int stored = (data[position + 1] & 0xff) | (data[position + 2] & 0xff) << 8
                        | (data[position + 3] & 0xff) << 16;
                assertThat(data[position + 4]).as("served uncompressed").isEqualTo((byte) 0);
                out.write(data, position + 8, stored);
                position += 8 + stored;
            }
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
