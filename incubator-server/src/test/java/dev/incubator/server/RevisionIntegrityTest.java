package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.hub.chunk.Frames;
import dev.incubator.hub.chunk.Hashes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: random sequences of commits, branch and tag operations, through the Hugging Face routes and the
 * native API alike, leave the refs exactly as a reference model of git refs says, and every read of a revision
 * (branch, tag, full or short commit id) serves exactly that commit's files. Refused operations change nothing.
 */
class RevisionIntegrityTest {
    private static final String REPO = "lab/integrity";
    private static final String HF = "/api/models/" + REPO;
    private static final String NATIVE = "/api/v1/repos/model/" + REPO;
    private static final int SEQUENCES = 4;
    private static final int STEPS = 30;

    @TempDir
    Path dataDir;

    private TestServer server;
    private String token;

    protected TestServer startServer(Path directory) {
        return TestServer.start(directory);
    }

    @BeforeEach
    void start() {
        server = startServer(dataDir);
        server.createOrg("lab");
        server.createUser("dev");
        server.addMember("lab", "dev", "member");
        token = server.tokenFor("dev", "read", "write");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The reference model: refs by name, and each commit's files. */
    private static final class Model {
        final Map<String, String> branches = new TreeMap<>();
        final Map<String, String> tags = new TreeMap<>();
        final Map<String, Map<String, String>> files = new HashMap<>();
        final List<String> commits = new ArrayList<>();

        boolean exists(String name) {
            return branches.containsKey(name) || tags.containsKey(name);
        }

        /** The commit a revision names, as git resolves it: full id, then ref, then a unique prefix. */
        Optional<String> resolve(String revision) {
            if (files.containsKey(revision)) {
                return Optional.of(revision);
            }
            if (branches.containsKey(revision)) {
                return Optional.of(branches.get(revision));
            }
            if (tags.containsKey(revision)) {
                return Optional.of(tags.get(revision));
            }
            List<String> matches = commits.stream().filter(id -> revision.matches("[0-9a-f]{7,40}")
                    && id.startsWith(revision)).toList();
            return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
        }
    }

    @Test
    void randomSequencesOfCommitsBranchesAndTagsKeepEveryRevisionExact() throws IOException {
        for (int sequence = 0; sequence < SEQUENCES; sequence++) {
            long seed = 7919L * (sequence + 1);
            String name = "integrity-" + sequence;
            run(new Random(seed), name, seed);
        }
    }

    private void run(Random random, String name, long seed) throws IOException {
        String hf = HF.replace("integrity", name);
        String nativeBase = NATIVE.replace("integrity", name);
        server.post("/api/repos/create").token(token).json(Map.of("name", name, "organization", "lab", "private",
                true)).expect(200);
        Model model = new Model();
        String initial = server.get(hf).token(token).expect(200).path("sha").asText();
        model.branches.put("main", initial);
        model.files.put(initial, Map.of());
        model.commits.add(initial);
        for (int step = 0; step < STEPS; step++) {
            String what = operation(random, model, hf, nativeBase, step);
            String context = "seed " + seed + ", step " + step + ": " + what;
            checkRefs(model, hf, nativeBase, context);
            checkReads(random, model, hf, nativeBase, context);
        }
    }

    /** Performs one random operation, checks its answer and updates the model; says what it did. */
    private String operation(Random random, Model model, String hf, String nativeBase, int step) throws IOException {
        String path = "f" + random.nextInt(4) + ".txt";
        String content = "step " + step + " " + random.nextInt(1_000_000) + "\n";
        String revision = revision(random, model);
        switch (random.nextInt(8)) {
            case 0, 1 -> {
                TestServer.Response response = server.post(hf + "/commit/" + revision).token(token)
                        .raw("application/x-ndjson", TestServer.ndjson(Map.of(path, content))).send();
                expectCommit(model, revision, path, content, response, response.status() == 200
                        ? Optional.of(response.json().path("commitOid").asText()) : Optional.empty(), false);
                return "HF commit to " + revision + " -> " + response.status();
            }
            case 2 -> {
                boolean create = random.nextBoolean();
                TestServer.Response response = nativeCommit(nativeBase, revision, create, path, content);
                expectCommit(model, revision, path, content, response, response.status() == 201
                        ? Optional.of(response.json().path("id").asText()) : Optional.empty(), create);
                return "native commit to " + revision + (create ? " (create_branch)" : "") + " -> "
                        + response.status();
            }
            case 3 -> {
                String branch = newName(random, model);
                String from = revision(random, model);
                TestServer.Response response = server.post(hf + "/branch/" + branch).token(token)
                        .json(Map.of("startingPoint", from)).send();
                expectRef(model, model.branches, branch, from, response);
                return "HF create branch " + branch + " at " + from + " -> " + response.status();
            }
            case 4 -> {
                String tag = newName(random, model);
                String at = revision(random, model);
                TestServer.Response response = server.post(hf + "/tag/" + at).token(token)
                        .json(Map.of("tag", tag)).send();
                expectRef(model, model.tags, tag, at, response);
                return "HF tag " + tag + " at " + at + " -> " + response.status();
            }
            case 5 -> {
                boolean tag = random.nextBoolean();
                String ref = newName(random, model);
                String at = revision(random, model);
                TestServer.Response response = server.post(nativeBase + "/refs").token(token).json(Map.of("name", ref,
                        "kind", tag ? "tag" : "branch", "revision", at)).send();
                expectRef(model, tag ? model.tags : model.branches, ref, at, response);
                return "native " + (tag ? "tag " : "branch ") + ref + " at " + at + " -> " + response.status();
            }
            case 6 -> {
                boolean tag = random.nextBoolean();
                String ref = existingOrNot(random, model);
                TestServer.Response response = server.request("DELETE", hf + (tag ? "/tag/" : "/branch/") + ref)
                        .token(token).send();
                Map<String, String> refs = tag ? model.tags : model.branches;
                if (refs.containsKey(ref) && !ref.equals("main")) {
                    assertThat(response.status()).as(response.text()).isEqualTo(200);
                    refs.remove(ref);
                } else {
                    assertThat(response.status()).as(response.text()).isIn(400, 404);
                }
                return "HF delete " + (tag ? "tag " : "branch ") + ref + " -> " + response.status();
            }
            default -> {
                String ref = existingOrNot(random, model);
                TestServer.Response response = server.request("DELETE", nativeBase + "/refs/" + ref).token(token)
                        .send();
                if (model.exists(ref) && !ref.equals("main")) {
                    assertThat(response.status()).as(response.text()).isEqualTo(204);
                    model.branches.remove(ref);
                    model.tags.remove(ref);
                } else {
                    assertThat(response.status()).as(response.text()).isIn(400, 404);
                }
                return "native delete " + ref + " -> " + response.status();
            }
        }
    }

    /** A commit is accepted only on an existing branch (or a new one when asked); else it changes nothing. */
    private static void expectCommit(Model model, String revision, String path, String content,
                                     TestServer.Response response, Optional<String> id, boolean create) {
        if (model.branches.containsKey(revision) || create && !model.exists(revision)
                && !revision.matches("[0-9a-f]{7,40}")) {
            assertThat(response.status()).as(response.text()).isIn(200, 201);
            String base = model.branches.getOrDefault(revision, model.branches.get("main"));
            Map<String, String> files = new TreeMap<>(model.files.get(base));
            files.put(path, content);
            model.files.put(id.orElseThrow(), files);
            model.commits.add(id.get());
            model.branches.put(revision, id.get());
            return;
        }
        if (model.tags.containsKey(revision) || revision.matches("[0-9a-f]{7,40}")) {
            assertThat(response.status()).as(response.text()).isEqualTo(400);
        } else {
            assertThat(response.status()).as(response.text()).isEqualTo(404);
            assertThat(response.header("X-Error-Code").orElse(response.json().path("code").asText()))
                    .isIn("RevisionNotFound", "not_found");
        }
    }

    private static void expectRef(Model model, Map<String, String> refs, String name, String at,
                                  TestServer.Response response) {
        Optional<String> target = model.resolve(at);
        if (name.matches("[0-9a-f]{7,40}")) {
            assertThat(response.status()).as(response.text()).isEqualTo(400);
        } else if (model.exists(name)) {
            assertThat(response.status()).as(response.text()).isEqualTo(409);
        } else if (target.isEmpty()) {
            assertThat(response.status()).as(response.text()).isIn(400, 404);
        } else {
            assertThat(response.status()).as(response.text()).isIn(200, 201);
            refs.put(name, target.get());
        }
    }

    private void checkRefs(Model model, String hf, String nativeBase, String context) {
        JsonNode refs = server.get(hf + "/refs").token(token).expect(200);
        Map<String, String> branches = new TreeMap<>();
        refs.path("branches").forEach(ref -> branches.put(ref.path("name").asText(), ref.path("targetCommit").asText()));
        Map<String, String> tags = new TreeMap<>();
        refs.path("tags").forEach(ref -> tags.put(ref.path("name").asText(), ref.path("targetCommit").asText()));
        assertThat(branches).as(context).isEqualTo(model.branches);
        assertThat(tags).as(context).isEqualTo(model.tags);
        Map<String, String> all = new TreeMap<>();
        server.get(nativeBase).token(token).expect(200).path("refs").forEach(ref -> all.put(ref.path("name").asText(),
                ref.path("commit").asText()));
        Map<String, String> expected = new TreeMap<>(model.branches);
        expected.putAll(model.tags);
        assertThat(all).as(context).isEqualTo(expected);
    }

    /** Every ref and a few commits by full and short id: the tree and each file's bytes and commit header. */
    private void checkReads(Random random, Model model, String hf, String nativeBase, String context) {
        List<String> revisions = new ArrayList<>(model.branches.keySet());
        revisions.addAll(model.tags.keySet());
        for (int i = 0; i < 3; i++) {
            String commit = model.commits.get(random.nextInt(model.commits.size()));
            revisions.add(commit);
            if (model.resolve(commit.substring(0, 7)).equals(Optional.of(commit))) {
                revisions.add(commit.substring(0, 7));
            }
        }
        for (String revision : revisions) {
            String commit = model.resolve(revision).orElseThrow();
            Map<String, String> files = model.files.get(commit);
            TreeSet<String> listed = new TreeSet<>();
            server.get(hf + "/tree/" + revision + "?recursive=true").token(token).expect(200)
                    .forEach(item -> listed.add(item.path("path").asText()));
            assertThat(listed).as(context + ", tree of " + revision).isEqualTo(files.keySet());
            assertThat(server.get(hf + "/revision/" + revision).token(token).expect(200).path("sha").asText())
                    .as(context + ", info of " + revision).isEqualTo(commit);
            if (!files.isEmpty()) {
                String file = new ArrayList<>(files.keySet()).get(random.nextInt(files.size()));
                TestServer.Response download = server.get("/" + REPO.replace("integrity", hfName(hf)) + "/resolve/"
                        + revision + "/" + file).token(token).send();
                assertThat(download.status()).as(context + ", " + revision + ":" + file).isEqualTo(200);
                assertThat(download.text()).as(context + ", " + revision + ":" + file).isEqualTo(files.get(file));
                assertThat(download.header("X-Repo-Commit")).as(context).contains(commit);
                TestServer.Response native_ = server.get(nativeBase + "/files/" + revision + "/" + file).token(token)
                        .send();
                assertThat(native_.text()).as(context + ", native " + revision + ":" + file).isEqualTo(files.get(file));
            }
        }
    }

    private static String hfName(String hf) {
        return hf.substring(hf.lastIndexOf('/') + 1);
    }

    /** A revision to aim at: mostly refs and commits that exist, sometimes a typo, a short id or a hex name. */
    private static String revision(Random random, Model model) {
        List<String> branches = new ArrayList<>(model.branches.keySet());
        return switch (random.nextInt(10)) {
            case 0 -> "typo" + random.nextInt(3);
            case 1 -> model.commits.get(random.nextInt(model.commits.size()));
            case 2 -> model.commits.get(random.nextInt(model.commits.size())).substring(0, 7);
            case 3 -> model.tags.isEmpty() ? "main" : new ArrayList<>(model.tags.keySet()).get(random.nextInt(
                    model.tags.size()));
            default -> branches.get(random.nextInt(branches.size()));
        };
    }

    /** A name for a new ref: usually fresh, sometimes taken, sometimes hex digits alone (never a ref name). */
    private static String newName(Random random, Model model) {
        return switch (random.nextInt(8)) {
            case 0 -> existingOrNot(random, model);
            case 1 -> "abcdef" + random.nextInt(10);
            default -> (random.nextBoolean() ? "exp-" : "v1.") + random.nextInt(12);
        };
    }

    private static String existingOrNot(Random random, Model model) {
        List<String> names = new ArrayList<>(model.branches.keySet());
        names.addAll(model.tags.keySet());
        names.add("missing-" + random.nextInt(3));
        return names.get(random.nextInt(names.size()));
    }

    private TestServer.Response nativeCommit(String base, String branch, boolean create, String path, String content)
            throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        String hash = Hashes.sha256(data);
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        Frames.write(frames, hash, data, 0, data.length);
        server.post(base + "/chunks").token(token).raw("application/octet-stream", frames.toByteArray()).expect(200);
        return server.post(base + "/commits").token(token).json(Map.of("branch", branch, "create_branch", create,
                "message", "add " + path, "files", List.of(Map.of("path", path, "sha256", hash, "size", data.length,
                        "chunks", List.of(List.of(hash, data.length)))))).send();
    }
}
