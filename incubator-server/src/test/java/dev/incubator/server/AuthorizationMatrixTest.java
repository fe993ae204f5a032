package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.server.TestServer.Response;
import dev.incubator.server.api.ApiRoute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks every route x every kind of caller x own and foreign organisation, and checks the answer against the
 * intended matrix written out below. A new route fails this test until it is given a row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
    enum Subject { OPERATOR, AUDITOR, REVIEWER, OWNER, ADMIN, STEWARD, MEMBER, VIEWER, OUTSIDER }

    enum Expect { ALLOW, FORBIDDEN, HIDDEN }

    /** Who may call a route: platform roles, and for organisation routes the least organisation role. */
    record Rule(String audience, String minimumOrgRole, Set<Subject> platform) {
        static Rule publicRoute() {
            return new Rule("public", null, Set.of());
        }

        static Rule anyUser() {
            return new Rule("any", null, Set.of());
        }

        static Rule platform(Subject... roles) {
            return new Rule("platform", null, Set.of(roles));
        }

        static Rule org(String minimumOrgRole, Subject... roles) {
            return new Rule("org", minimumOrgRole, Set.of(roles));
        }

        /** A gated repository's admin actions: visible to every signed-in user, so others are refused, not hidden. */
        static Rule gated(String minimumOrgRole, Subject... roles) {
            return new Rule("gated", minimumOrgRole, Set.of(roles));
        }

        static Rule self(Subject... roles) {
            return new Rule("self", null, Set.of(roles));
        }

        /** A model call: members of the deployment's organisation; to everyone else it does not exist. */
        static Rule caller() {
            return new Rule("caller", null, Set.of());
        }

        /** Only a replica job's own credential: refused to every person who can see the job, hidden from others. */
        static Rule replica() {
            return new Rule("replica", null, Set.of());
        }
    }

    private static final Map<String, Rule> MATRIX = new LinkedHashMap<>();

    static {
        Subject op = Subject.OPERATOR;
        Subject au = Subject.AUDITOR;
        Subject rv = Subject.REVIEWER;
        MATRIX.put("health", Rule.publicRoute());
        MATRIX.put("readiness", Rule.publicRoute());
        MATRIX.put("metrics", Rule.publicRoute());
        MATRIX.put("openapi", Rule.publicRoute());
        MATRIX.put("whoami", Rule.anyUser());
        MATRIX.put("listOrganisations", Rule.anyUser());
        MATRIX.put("createOrganisation", Rule.platform(op));
        MATRIX.put("getOrganisation", Rule.org("viewer", op, au, rv));
        MATRIX.put("updateOrganisation", Rule.org("admin", op));
        MATRIX.put("listMembers", Rule.org("viewer", op, au));
        MATRIX.put("addMember", Rule.org("admin", op));
        MATRIX.put("getMember", Rule.org("viewer", op, au));
        MATRIX.put("updateMember", Rule.org("admin", op));
        MATRIX.put("removeMember", Rule.org("admin", op));
        MATRIX.put("listGrants", Rule.org("viewer", op, au));
        MATRIX.put("awardGrant", Rule.org(null, op));
        MATRIX.put("getGrant", Rule.org("viewer", op, au));
        MATRIX.put("updateGrant", Rule.org(null, op));
        MATRIX.put("listLedgerEntries", Rule.org("viewer", op, au));
        MATRIX.put("adjustGrant", Rule.org(null, op));
        MATRIX.put("recordGrantUsage", Rule.org(null, op));
        MATRIX.put("listOrganisationAuditEvents", Rule.org("admin", op, au));
        MATRIX.put("listUsers", Rule.platform(op, au));
        MATRIX.put("createUser", Rule.platform(op));
        MATRIX.put("getUser", Rule.self(op, au));
        MATRIX.put("issueUserToken", Rule.platform(op));
        MATRIX.put("listTokens", Rule.anyUser());
        MATRIX.put("listUserTokens", Rule.platform(op, au));
        MATRIX.put("disableUser", Rule.platform(op));
        MATRIX.put("listInbox", Rule.anyUser());
        MATRIX.put("countInbox", Rule.anyUser());
        MATRIX.put("markNoticesRead", Rule.anyUser());
        MATRIX.put("markAllNoticesRead", Rule.anyUser());
        MATRIX.put("createToken", Rule.anyUser());
        MATRIX.put("revokeToken", Rule.anyUser());
        MATRIX.put("listAuditEvents", Rule.platform(op, au));
        MATRIX.put("submitJob", Rule.org("member", op));
        MATRIX.put("listJobs", Rule.org("viewer", op, au));
        MATRIX.put("getJob", Rule.org("viewer", op, au));
        MATRIX.put("cancelJob", Rule.org("member", op));
        MATRIX.put("jobLogs", Rule.org("viewer", op, au));
        MATRIX.put("getJobById", Rule.org("viewer", op, au));
        MATRIX.put("cancelJobById", Rule.org("member", op));
        MATRIX.put("jobLogsById", Rule.org("viewer", op, au));
        MATRIX.put("queue", Rule.anyUser());
        MATRIX.put("listTemplates", Rule.anyUser());
        MATRIX.put("getTemplate", Rule.anyUser());
        MATRIX.put("submitTemplateJob", Rule.org("member", op));
        MATRIX.put("reportJobMetrics", Rule.org("member", op));
        MATRIX.put("listJobMetrics", Rule.org("viewer", op, au));
        MATRIX.put("getJobRun", Rule.org("viewer", op, au));
        MATRIX.put("publishJobModel", Rule.org("member", op));
        MATRIX.put("usage", Rule.org("viewer", op, au));
        MATRIX.put("cluster", Rule.anyUser());
        // The hub: the probe repositories are visible to their organisation ("organisation" visibility).
        MATRIX.put("createRepository", Rule.org("member", op));
        MATRIX.put("listRepositories", Rule.publicRoute());
        MATRIX.put("getRepository", Rule.org("viewer", op, au, rv));
        MATRIX.put("updateRepository", Rule.org("admin", op));
        MATRIX.put("deleteRepository", Rule.org("admin", op));
        MATRIX.put("listCommits", Rule.org("viewer", op, au, rv));
        MATRIX.put("getTree", Rule.org("viewer", op, au, rv));
        MATRIX.put("diffRevisions", Rule.org("viewer", op, au, rv));
        MATRIX.put("missingChunks", Rule.org("member", op));
        MATRIX.put("uploadChunks", Rule.org("member", op));
        MATRIX.put("createCommit", Rule.org("member", op));
        MATRIX.put("downloadFile", Rule.org("viewer", op, au, rv));
        MATRIX.put("fileInfo", Rule.org("viewer", op, au, rv));
        MATRIX.put("createRef", Rule.org("member", op));
        MATRIX.put("deleteRef", Rule.org("member", op));
        MATRIX.put("shredOrganisationKey", Rule.org(null, op));
        MATRIX.put("hubFsck", Rule.platform(op));
        MATRIX.put("hubGc", Rule.platform(op));
        MATRIX.put("getStorage", Rule.org("viewer", op, au, rv));
        MATRIX.put("setStorageQuota", Rule.org(null, op));
        MATRIX.put("hfWhoami", Rule.anyUser());
        MATRIX.put("hfCreateRepo", Rule.org("member", op));
        for (String kind : List.of("Model", "Dataset")) {
            for (String read : List.of("Info", "InfoAtRevision", "Tree", "TreePath", "PathsInfo", "Resolve",
                    "ResolveHead")) {
                MATRIX.put("hf" + kind + read, Rule.org("viewer", op, au, rv));
            }
            for (String read : List.of("Refs", "Commits", "Raw", "RawHead")) {
                MATRIX.put("hf" + kind + read, Rule.org("viewer", op, au, rv));
            }
            for (String write : List.of("Preupload", "Commit", "LfsBatch", "CreateBranch", "DeleteBranch", "CreateTag",
                    "DeleteTag")) {
                MATRIX.put("hf" + kind + write, Rule.org("member", op));
            }
            MATRIX.put("hf" + kind + "Settings", Rule.org("admin", op));
            MATRIX.put("hf" + kind + "XetWriteToken", Rule.org("member", op));
            MATRIX.put("hf" + kind + "XetReadToken", Rule.org("viewer", op, au, rv));
            MATRIX.put("hfList" + kind + "s", Rule.publicRoute());
        }
        MATRIX.put("hfDeleteRepo", Rule.org("admin", op));
        MATRIX.put("hfMoveRepo", Rule.org("admin", op));
        MATRIX.put("hfValidateYaml", Rule.publicRoute());
        // The Xet CAS: a signed token for one repository, issued by the routes above, is the capability; the probe
        // sends one obtained by the operator, so every caller holding it is answered alike (XetApiTest covers the
        // refusals: other repositories, other tenants, read tokens that try to write, forged tokens).
        for (String cas : List.of("xetUploadXorb", "xetUploadShard", "xetDedupChunk", "xetReconstructionV1",
                "xetReconstructionV2", "xetXorbRange")) {
            MATRIX.put(cas, Rule.publicRoute());
        }
        MATRIX.put("requestAccess", Rule.anyUser());
        MATRIX.put("listAccessRequests", Rule.anyUser());
        MATRIX.put("myAccessRequests", Rule.anyUser());
        // Only the data's side decides who may use it (owner, data steward, admin): not even platform operators.
        MATRIX.put("approveAccess", Rule.gated("steward"));
        MATRIX.put("denyAccess", Rule.gated("steward"));
        MATRIX.put("revokeAccess", Rule.gated("steward"));
        MATRIX.put("accessReport", Rule.gated("steward", op, au));
        MATRIX.put("getLineage", Rule.publicRoute());
        MATRIX.put("grantLineageException", Rule.gated("steward"));
        MATRIX.put("auditPublicKey", Rule.publicRoute());
        MATRIX.put("auditTreeHead", Rule.anyUser());
        MATRIX.put("auditHeads", Rule.platform(op, au));
        MATRIX.put("auditInclusionProof", Rule.platform(op, au));
        // Consistency proofs are hashes only: any signed-in user (a witness) may check the log only grows.
        MATRIX.put("auditConsistencyProof", Rule.anyUser());
        MATRIX.put("auditWitnesses", Rule.publicRoute());
        MATRIX.put("addAuditWitness", Rule.platform(op));
        // A cosignature's credential is the witness's signature, whoever delivers it.
        MATRIX.put("addAuditCosignature", Rule.publicRoute());
        MATRIX.put("auditExport", Rule.platform(op, au));
        // Signed upload URLs are capabilities: whoever holds a valid one may use it.
        MATRIX.put("hfLfsUpload", Rule.publicRoute());
        // An LFS download href names the (private) probe by id: decided like every read.
        MATRIX.put("hfLfsDownload", Rule.org("viewer", op, au, rv));
        MATRIX.put("hfLfsVerify", Rule.publicRoute());
        // Serving: the probe deployment of each organisation serves a random checkpoint with one ready replica.
        MATRIX.put("createDeployment", Rule.org("member", op));
        MATRIX.put("listDeployments", Rule.org("viewer", op, au));
        MATRIX.put("getDeployment", Rule.org("viewer", op, au));
        MATRIX.put("updateDeployment", Rule.org("member", op));
        MATRIX.put("deleteDeployment", Rule.org("member", op));
        MATRIX.put("listDeploymentRequests", Rule.org("viewer", op, au));
        MATRIX.put("getDeploymentUsage", Rule.org("viewer", op, au));
        MATRIX.put("registerReplicaEndpoint", Rule.replica());
        MATRIX.put("listModels", Rule.anyUser());
        MATRIX.put("createCompletion", Rule.caller());
        MATRIX.put("createChatCompletion", Rule.caller());
        MATRIX.put("createEmbedding", Rule.caller());
        // Evaluation: each organisation's probe run scored its served checkpoint on a three-item benchmark.
        MATRIX.put("submitEvaluation", Rule.org("member", op));
        MATRIX.put("listEvaluations", Rule.org("viewer", op, au, rv));
        MATRIX.put("getEvaluation", Rule.org("viewer", op, au, rv));
        MATRIX.put("listEvaluationItems", Rule.org("viewer", op, au, rv));
        MATRIX.put("getEvaluationProof", Rule.org("viewer", op, au, rv));
        MATRIX.put("getLeaderboards", Rule.anyUser());
        // Review: each organisation's probe application with an open review; the committee's own members vote.
        MATRIX.put("createApplication", Rule.org("member", op));
        MATRIX.put("listApplications", Rule.org("viewer", op, au, rv));
        MATRIX.put("getApplication", Rule.org("viewer", op, au, rv));
        MATRIX.put("updateApplication", Rule.org("member", op));
        MATRIX.put("requestReview", Rule.org("member", op));
        MATRIX.put("listReviews", Rule.platform(op, au, rv));
        MATRIX.put("getReview", Rule.org("viewer", op, au, rv));
        MATRIX.put("voteOnReview", Rule.platform(rv));
        MATRIX.put("decideReview", Rule.platform(rv));
        MATRIX.put("revokeReview", Rule.platform(rv));
        MATRIX.put("submitSafetyAssessment", Rule.org("member", op));
        MATRIX.put("listSafetyAssessments", Rule.org("viewer", op, au, rv));
        MATRIX.put("getSafetyAssessment", Rule.org("viewer", op, au, rv));
        MATRIX.put("listSafetyResults", Rule.org("viewer", op, au, rv));
        MATRIX.put("overrideSafetyVerdict", Rule.platform(rv));
        MATRIX.put("listSafetyOverrides", Rule.org("viewer", op, au, rv));
        MATRIX.put("writeApplicationDossier", Rule.org("member", op));
    }

    private static final List<String> ORG_ROLES = List.of("viewer", "member", "steward", "admin", "owner");

    private TestServer server;
    private final Map<Subject, String> tokens = new EnumMap<>(Subject.class);
    private final Map<String, String> grants = new LinkedHashMap<>();
    private final Map<String, String> jobs = new LinkedHashMap<>();
    /** Per organisation: a job that succeeded leaving a tokenizer in its export folder, to publish. */
    private final Map<String, String> publishable = new LinkedHashMap<>();
    /** Per organisation: an evaluation run that succeeded. */
    private final Map<String, String> evaluations = new LinkedHashMap<>();
    /** Per organisation: an open review of its probe application; and a committee large enough to decide. */
    private final Map<String, String> reviews = new LinkedHashMap<>();
    private final List<String> committee = new ArrayList<>();
    /** Per organisation: a safety assessment of its probe deployment that succeeded. */
    private final Map<String, String> assessments = new LinkedHashMap<>();

    @BeforeAll
    void setUp(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        server.createOrg("own");
        server.createOrg("foreign");
        grants.put("own", server.awardGrant("own", Map.of("any", 100)).path("id").asText());
        grants.put("foreign", server.awardGrant("foreign", Map.of("any", 100)).path("id").asText());
        tokens.put(Subject.OPERATOR, server.operatorToken());
        for (String org : List.of("own", "foreign")) {
            jobs.put(org, submit(org, "true"));
            publishable.put(org, submit(org, "mkdir -p $INCUBATOR_CHECKPOINT_DIR/model && echo '{\"model\": {}}' >"
                    + " $INCUBATOR_CHECKPOINT_DIR/model/tokenizer.json"));
            server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", "dataset", "namespace", org,
                    "name", "toolkit-probe", "visibility", "organisation")).expect(201);
            server.commit(server.operatorToken(), "datasets/" + org + "/toolkit-probe", Map.of("a.txt", "hello"))
                    .expect(200);
        }
        for (String owner : List.of("own", "foreign")) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> server.get(
                    "/api/v1/jobs/" + publishable.get(owner)).token(server.operatorToken()).expect(200).path("state")
                    .asText().equals("succeeded"));
        }
        for (Subject subject : Subject.values()) {
            if (subject == Subject.OPERATOR) {
                continue;
            }
            String role = subject.name().toLowerCase();
            String name = "u-" + role;
            String[] platform = switch (subject) {
                case AUDITOR -> new String[] {"auditor"};
                case REVIEWER -> new String[] {"reviewer"};
                default -> new String[0];
            };
            server.createUser(name, platform);
            switch (subject) {
                case OWNER, ADMIN, STEWARD, MEMBER, VIEWER -> server.addMember("own", name, role);
                case OUTSIDER -> server.addMember("foreign", name, "owner");
                default -> { }
            }
            tokens.put(subject, server.tokenFor(name, "read", "write", "admin"));
        }
        server.addMember("foreign", "u-owner", "owner"); // some own members hold roles abroad too; see foreignOrg()
        Map<String, byte[]> checkpoint = TestModels.randomCheckpoint(dataDir.resolve("checkpoint"));
        for (String org : List.of("own", "foreign")) {
            server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", "model", "namespace", org,
                    "name", "served", "visibility", "organisation")).expect(201);
            server.commitBytes(server.operatorToken(), "models/" + org + "/served", checkpoint).expect(200);
            server.post("/api/v1/orgs/" + org + "/deployments").token(server.operatorToken()).json(Map.of("name",
                    "probe", "model", "models/" + org + "/served", "replicas", "1")).expect(201);
        }
        for (String owner : List.of("own", "foreign")) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).until(() -> server.get(
                    "/api/v1/orgs/" + owner + "/deployments/probe").token(server.operatorToken()).expect(200)
                    .path("ready").asInt() == 1);
        }
        for (String org : List.of("own", "foreign")) {
            server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", "dataset", "namespace", org,
                    "name", "bench", "visibility", "organisation")).expect(201);
            server.commit(server.operatorToken(), "datasets/" + org + "/bench", Map.of("task.yaml",
                    dev.incubator.eval.TaskSpec.example("xcopa-zh"), "val.zh.jsonl", BENCHMARK)).expect(200);
            evaluations.put(org, server.post("/api/v1/orgs/" + org + "/evaluations").token(server.operatorToken())
                    .json(evaluation(org)).expect(201).path("id").asText());
        }
        for (String owner : List.of("own", "foreign")) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).until(() -> server.get(
                    "/api/v1/evaluations/" + evaluations.get(owner)).token(server.operatorToken()).expect(200)
                    .path("state").asText(), state -> !state.equals("queued") && !state.equals("running"));
            assertThat(server.get("/api/v1/evaluations/" + evaluations.get(owner)).token(server.operatorToken())
                    .expect(200).toString()).contains("\"state\":\"succeeded\"");
        }
        for (int i = 1; i <= 7; i++) {
            server.createUser("committee-" + i, "reviewer");
            committee.add(server.tokenFor("committee-" + i, "read", "write"));
        }
        for (String org : List.of("own", "foreign")) {
            Map<String, Object> probe = new LinkedHashMap<>(application("probe"));
            probe.put("deployments", List.of(org + "/probe"));
            server.post("/api/v1/orgs/" + org + "/applications").token(server.operatorToken()).json(probe).expect(201);
            server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", "dataset", "namespace", org,
                    "name", "bank", "visibility", "organisation")).expect(201);
            server.commit(server.operatorToken(), "datasets/" + org + "/bank", Map.of("safety.yaml", "name: bank\n"
                    + "kind: refuse\nformat: jsonl\nfiles: [q.jsonl]\nid: \"{{id}}\"\nprompt: \"{{q}}\"\n"
                    + "risk: A.1.8\nlicense: test\n", "q.jsonl", "{\"id\": 1, \"q\": \"一\"}\n{\"id\": 2, \"q\":"
                    + " \"二\"}\n")).expect(200);
            // by a member: the job calls the deployment for its organisation as its submitter
            assessments.put(org, server.post("/api/v1/orgs/" + org + "/applications/probe/assessments")
                    .token(tokens.get(Subject.OWNER)).json(assessment(org)).expect(201).path("id").asText());
            reviews.put(org, server.post("/api/v1/orgs/" + org + "/applications/probe/reviews")
                    .token(server.operatorToken()).expect(201).path("id").asText());
        }
        for (String owner : List.of("own", "foreign")) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).until(() -> server.get(
                    "/api/v1/assessments/" + assessments.get(owner)).token(server.operatorToken()).expect(200)
                    .path("state").asText(), state -> !state.equals("queued") && !state.equals("running"));
            assertThat(server.get("/api/v1/assessments/" + assessments.get(owner)).token(server.operatorToken())
                    .expect(200).toString()).contains("\"state\":\"succeeded\"");
        }
        server.createUser("target");
        server.post("/api/v1/audit/witnesses").token(server.operatorToken()).json(Map.of("name", "matrix-witness",
                "public_key", java.util.Base64.getEncoder().encodeToString(WITNESS.getPublic().getEncoded())))
                .expect(201);
        for (String org : List.of("own", "foreign")) {
            server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", "model", "namespace", org,
                    "name", "gated-probe", "visibility", "gated")).expect(201);
            for (String type : List.of("model", "dataset")) {
                server.post("/api/repos/create").token(server.operatorToken()).json(Map.of("name", "probe",
                        "organization", org, "type", type, "private", true)).expect(200);
                server.commit(server.operatorToken(), type + "s/" + org + "/probe", Map.of("dir/file.txt", "hi"))
                        .expect(200);
            }
        }
    }

    private static final String BENCHMARK = """
            {"premise": "我的身体在草地上投下了阴影。", "choice1": "太阳正在升起。", "choice2": "草被割了。", "question": "cause", "label": 0, "idx": 1}
            {"premise": "女人容忍了她朋友的难相处的行为。", "choice1": "女人知道她的朋友正在经历困难时期。", "choice2": "女人觉得她的朋友在利用她的善良。", "question": "cause", "label": 0, "idx": 2}
            {"premise": "女人们在面试中遇到了一位神秘男子。", "choice1": "她们问他的名字。", "choice2": "她们告诉他离开。", "question": "effect", "label": 0, "idx": 3}
            """;

    private static Map<String, Object> assessment(String org) {
        return Map.of("banks", List.of("datasets/" + org + "/bank"), "max_tokens", 2, "cpus", 1);
    }

    private static Map<String, Object> application(String name) {
        return Map.of("name", name, "purpose", "a probe of the authorisation matrix", "audience", "internal", "domain",
                "other");
    }

    /** A fresh review of a fresh application of {@code org}, decided by the committee (and revoked-ready). */
    private String decidable(String org, boolean decided) {
        String name = server.unique("app");
        server.post("/api/v1/orgs/" + org + "/applications").token(server.operatorToken()).json(application(name))
                .expect(201);
        String review = server.post("/api/v1/orgs/" + org + "/applications/" + name + "/reviews")
                .token(server.operatorToken()).expect(201).path("id").asText();
        for (String member : committee.subList(0, 5)) {
            server.post("/api/v1/reviews/" + review + "/votes").token(member).json(Map.of("choice", "approve"))
                    .expect(200);
        }
        if (decided) {
            server.post("/api/v1/reviews/" + review + "/decision").token(committee.get(0)).expect(200);
        }
        return review;
    }

    private static Map<String, Object> evaluation(String org) {
        return Map.of("model", "models/" + org + "/served", "benchmark", "datasets/" + org + "/bench", "limit", 2,
                "cpus", 1, "memory_mib", 1024, "contamination", false);
    }

    private static final java.security.KeyPair WITNESS = witnessKeys();

    private static java.security.KeyPair witnessKeys() {
        try {
            return java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The matrix witness's signature over a signed head's bytes. */
    private static String cosign(JsonNode head) {
        try {
            java.security.Signature signature = java.security.Signature.getInstance("Ed25519");
            signature.initSign(WITNESS.getPrivate());
            signature.update(dev.incubator.governance.audit.TreeHead.signedBytes(head.path("tree_size").asLong(),
                    java.util.Base64.getDecoder().decode(head.path("root_hash").asText()),
                    java.time.Instant.parse(head.path("timestamp").asText())));
            return java.util.Base64.getEncoder().encodeToString(signature.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh pending access request to the organisation's gated probe, by a fresh user. */
    private String accessRequest(String org) {
        String user = server.unique("applicant");
        server.createUser(user);
        String token = server.tokenFor(user, "read", "write");
        return server.post("/api/v1/repos/model/" + org + "/gated-probe/access-requests").token(token)
                .json(Map.of("purpose", "general-research", "justification", "a study that needs this probe dataset"))
                .expect(201).path("id").asText();
    }

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** A signed upload URL for fresh content in the organisation's probe model, and that content. */
    private Map.Entry<String, byte[]> signedUpload(String org) {
        byte[] content = server.unique("content").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String oid = dev.incubator.hub.chunk.Hashes.sha256(content);
        JsonNode batch = server.post("/" + org + "/probe.git/info/lfs/objects/batch").token(server.operatorToken())
                .json(Map.of("operation", "upload", "objects", List.of(Map.of("oid", oid, "size", content.length))))
                .expect(200);
        String href = batch.path("objects").get(0).path("actions").path("upload").path("href").asText();
        return Map.entry(href.substring(href.indexOf("/api/")), content);
    }

    @AfterAll
    void tearDown() {
        server.close();
    }

    @Test
    void everyRouteHasARowInTheMatrix() {
        List<String> routes = server.server().routes().stream().map(ApiRoute::operationId).toList();
        assertThat(MATRIX.keySet()).containsExactlyInAnyOrderElementsOf(routes);
    }

    @Test
    void everyRouteAnswersEveryCallerAsTheMatrixSays() {
        List<String> failures = new ArrayList<>();
        // Shredding destroys the organisations' private hub content: it goes last.
        List<ApiRoute> routes = new ArrayList<>(server.server().routes());
        routes.sort(java.util.Comparator.comparing(route -> route.operationId().equals("shredOrganisationKey")));
        for (ApiRoute route : routes) {
            Rule rule = MATRIX.get(route.operationId());
            for (Subject subject : Subject.values()) {
                for (String org : List.of("own", "foreign")) {
                    if (!List.of("org", "gated", "caller", "replica").contains(rule.audience())
                            && org.equals("foreign")) {
                        continue;
                    }
                    Expect expected = expected(rule, subject, org);
                    Response response = call(route, subject, org);
                    Expect actual = classify(response);
                    if (actual != expected) {
                        failures.add(route.operationId() + " as " + subject + " on " + org + ": expected " + expected
                                + " but got " + response.status() + " " + response.text());
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void everyAuthenticatedRouteRefusesAnonymousCallers() {
        for (ApiRoute route : server.server().routes()) {
            if (!route.authenticated()) {
                continue;
            }
            Response response = server.request(route.method().name(), path(route, "own", Subject.OPERATOR)).send();
            assertThat(response.status()).as(route.operationId()).isEqualTo(401);
            assertThat(response.json().path("code").asText()).isEqualTo("unauthenticated");
        }
    }

    @Test
    void aReadOnlyTokenCanNotChangeAnything() {
        String readOnly = server.tokenFor("admin", "read");
        for (ApiRoute route : server.server().routes()) {
            // The gateway's calls read a model: a read-only key (and a job's credential) may make them.
            if (!route.mutating() || !route.authenticated() || route.tag().equals("openai")) {
                continue;
            }
            Response response = prepare(route, Subject.OPERATOR, "own", readOnly).send();
            assertThat(response.status()).as(route.operationId() + ": " + response.text()).isEqualTo(403);
            assertThat(response.json().path("code").asText()).isEqualTo("insufficient_scope");
        }
    }

    private Expect expected(Rule rule, Subject subject, String org) {
        switch (rule.audience()) {
            case "public", "any" -> {
                return Expect.ALLOW;
            }
            case "platform" -> {
                return rule.platform().contains(subject) ? Expect.ALLOW : Expect.FORBIDDEN;
            }
            case "self" -> {
                return rule.platform().contains(subject) ? Expect.ALLOW : Expect.HIDDEN;
            }
            case "caller" -> {
                return roleIn(subject, org) != null ? Expect.ALLOW : Expect.HIDDEN;
            }
            case "replica" -> {
                boolean seesJobs = EnumSet.of(Subject.OPERATOR, Subject.AUDITOR, Subject.REVIEWER).contains(subject);
                return roleIn(subject, org) != null || seesJobs ? Expect.FORBIDDEN : Expect.HIDDEN;
            }
            case "gated" -> {
                String role = roleIn(subject, org);
                boolean byRole = role != null && ORG_ROLES.indexOf(role) >= ORG_ROLES.indexOf(rule.minimumOrgRole());
                return rule.platform().contains(subject) || byRole ? Expect.ALLOW : Expect.FORBIDDEN;
            }
            default -> {
                if (rule.platform().contains(subject)) {
                    return Expect.ALLOW;
                }
                String role = roleIn(subject, org);
                if (role != null && rule.minimumOrgRole() != null
                        && ORG_ROLES.indexOf(role) >= ORG_ROLES.indexOf(rule.minimumOrgRole())) {
                    return Expect.ALLOW;
                }
                boolean seesAll = EnumSet.of(Subject.AUDITOR, Subject.REVIEWER).contains(subject);
                return role != null || seesAll ? Expect.FORBIDDEN : Expect.HIDDEN;
            }
        }
    }

    private String submit(String org, String command) {
        return server.post("/api/v1/orgs/" + org + "/jobs").token(server.operatorToken())
                .json(Map.of("name", "probe", "command", List.of("bash", "-c", command))).expect(201).path("id").asText();
    }

    private static String roleIn(Subject subject, String org) {
        if (org.equals("own")) {
            return switch (subject) {
                case OWNER, ADMIN, STEWARD, MEMBER, VIEWER -> subject.name().toLowerCase();
                case OPERATOR -> null;
                default -> null;
            };
        }
        return switch (subject) {
            case OUTSIDER, OWNER -> "owner";
            default -> null;
        };
    }

    private static Expect classify(Response response) {
        return switch (response.status()) {
            case 403 -> Expect.FORBIDDEN;
            case 404 -> Expect.HIDDEN;
            default -> response.status() < 300 ? Expect.ALLOW : null;
        };
    }

    private Response call(ApiRoute route, Subject subject, String org) {
        return prepare(route, subject, org, tokens.get(subject)).send();
    }

    /** Builds a request that would succeed for an authorised caller, creating what it needs as the operator. */
    private TestServer.Request prepare(ApiRoute route, Subject subject, String org, String token) {
        Function<Object, TestServer.Request> withBody = body -> server.request(route.method().name(),
                path(route, org, subject)).token(token).json(body);
        return switch (route.operationId()) {
            case "createOrganisation" -> withBody.apply(Map.of("name", server.unique("org"), "display_name", "New",
                    "kind", "lab"));
            case "updateOrganisation" -> withBody.apply(Map.of("display_name", "Renamed"));
            case "setStorageQuota" -> withBody.apply(Map.of("quota", "default"));
            case "disableUser" -> withBody.apply(Map.of("reason", "probe"));
            case "markNoticesRead" -> withBody.apply(Map.of("ids", List.of("ntc_0000000000000000000000000a")));
            case "addMember" -> {
                String user = server.unique("joiner");
                server.createUser(user);
                yield withBody.apply(Map.of("user", user, "role", "member"));
            }
            case "updateMember" -> withBody.apply(Map.of("role", "viewer"));
            case "addAuditWitness" -> withBody.apply(Map.of("name", server.unique("witness"), "public_key",
                    java.util.Base64.getEncoder().encodeToString(WITNESS.getPublic().getEncoded())));
            case "addAuditCosignature" -> {
                JsonNode head = server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200);
                yield withBody.apply(Map.of("witness", "matrix-witness", "tree_size", head.path("tree_size").asLong(),
                        "signature", cosign(head)));
            }
            case "awardGrant" -> withBody.apply(Map.of("programme", "p", "gpu_hours", Map.of("any", 1),
                    "starts_on", "2026-01-01", "ends_on", "2026-12-31"));
            case "updateGrant" -> withBody.apply(Map.of("guaranteed_gpus", 3));
            case "adjustGrant" -> withBody.apply(Map.of("gpu_type", "any", "gpu_hours", 1, "note", "bonus"));
            case "recordGrantUsage" -> withBody.apply(Map.of("gpu_type", "a100", "gpu_hours", 0.5));
            case "createUser" -> withBody.apply(Map.of("name", server.unique("person"), "display_name", "P",
                    "email", "p@example.org"));
            case "issueUserToken", "createToken" -> withBody.apply(Map.of("name", "t", "scopes", List.of("read")));
            case "submitJob" -> withBody.apply(Map.of("name", "probe", "command", List.of("true")));
            case "submitTemplateJob" -> withBody.apply(Map.of("template", "tokenizer", "parameters", Map.of("data",
                    "datasets/" + org + "/toolkit-probe"), "time_limit_minutes", 1));
            case "reportJobMetrics" -> withBody.apply(Map.of("step", 1, "values", Map.of("loss", 1.5)));
            case "publishJobModel" -> withBody.apply(Map.of("to", "models/" + org + "/" + server.unique("tok")));
            case "createRepository" -> withBody.apply(Map.of("kind", "model", "namespace", org,
                    "name", server.unique("repo")));
            case "hfCreateRepo" -> withBody.apply(Map.of("name", server.unique("repo"), "organization", org));
            case "updateRepository" -> withBody.apply(Map.of("visibility", "organisation"));
            case "missingChunks" -> withBody.apply(Map.of("chunks", List.of()));
            case "createRef" -> withBody.apply(Map.of("name", server.unique("tag"), "kind", "tag"));
            case "requestAccess" -> withBody.apply(Map.of("purpose", "general-research", "justification",
                    "a study that needs this probe dataset"));
            case "approveAccess" -> withBody.apply(Map.of("expires_on", java.time.LocalDate.now().plusDays(10)
                    .toString(), "mode", "download"));
            case "denyAccess", "revokeAccess" -> withBody.apply(Map.of("reason", "probe"));
            case "grantLineageException" -> withBody.apply(Map.of("downstream", "models/own/probe", "reason", "probe"));
            case "uploadChunks" -> server.request("POST", path(route, org, subject)).token(token)
                    .raw("application/octet-stream", new byte[0]);
            case "createCommit" -> withBody.apply(Map.of("message", "probe", "files", List.of(Map.of("path",
                    server.unique("empty"), "sha256", EMPTY_SHA256, "size", 0, "chunks", List.of()))));
            case "hfModelPreupload", "hfDatasetPreupload" -> withBody.apply(Map.of("files", List.of(Map.of("path",
                    "x.bin", "size", 10, "sample", ""))));
            case "hfModelCommit", "hfDatasetCommit" -> server.request("POST", path(route, org, subject)).token(token)
                    .raw("application/x-ndjson", TestServer.ndjson(Map.of(server.unique("f"), "hi")));
            case "hfModelLfsBatch", "hfDatasetLfsBatch" -> withBody.apply(Map.of("operation", "upload", "objects",
                    List.of(Map.of("oid", EMPTY_SHA256, "size", 0))));
            case "hfModelCreateTag", "hfDatasetCreateTag" -> withBody.apply(Map.of("tag", server.unique("tag")));
            case "hfModelSettings", "hfDatasetSettings" -> withBody.apply(Map.of("private", true));
            case "hfDeleteRepo" -> withBody.apply(Map.of("name", doomed(org, "model"), "organization", org, "type",
                    "model"));
            case "hfMoveRepo" -> withBody.apply(Map.of("fromRepo", org + "/" + doomed(org, "model"), "toRepo", org + "/"
                    + server.unique("moved"), "type", "model"));
            case "hfValidateYaml" -> withBody.apply(Map.of("content", "---\nlicense: mit\n---\n# Card\n"));
            case "xetUploadXorb" -> {
                XetTestClient.Xorb xorb = xorb();
                yield cas(casToken(org, "write"), "POST", "/v1/xorbs/default/" + xorb.hash(), xorb.bytes());
            }
            case "xetUploadShard" -> {
                String write = casToken(org, "write");
                XetTestClient.Xorb xorb = xorb();
                cas(write, "POST", "/v1/xorbs/default/" + xorb.hash(), xorb.bytes()).expect(200);
                List<XetTestClient.Term> terms = List.of(new XetTestClient.Term(xorb, 0, 1));
                yield cas(write, "POST", "/v1/shards", XetTestClient.shard(terms, XetTestClient.sha256(
                        uncheck(() -> XetTestClient.content(terms)))));
            }
            case "xetDedupChunk" -> {
                String write = casToken(org, "write");
                XetTestClient.Xorb xorb = xorb();
                cas(write, "POST", "/v1/xorbs/default/" + xorb.hash(), xorb.bytes()).expect(200);
                yield cas(write, "GET", "/v1/chunks/default/" + dev.incubator.hub.xet.XetHash.hex(xorb.nodes().get(0)
                        .hash()), null);
            }
            case "xetReconstructionV1", "xetReconstructionV2" -> cas(casToken(org, "read"), "GET", "/"
                    + (route.operationId().endsWith("V1") ? "v1" : "v2") + "/reconstructions/" + xetFile(org), null);
            case "xetXorbRange" -> {
                JsonNode answer = cas(casToken(org, "read"), "GET", "/v2/reconstructions/" + xetFile(org), null)
                        .expect(200);
                String url = answer.path("xorbs").elements().next().get(0).path("url").asText();
                yield server.request("GET", url.substring(url.indexOf("/api/"))).token(token);
            }
            case "submitEvaluation" -> withBody.apply(evaluation(org));
            case "createApplication" -> withBody.apply(application(server.unique("app")));
            case "updateApplication" -> withBody.apply(Map.of("purpose", "A probe the matrix rewords, "
                    + server.unique("n")));
            case "submitSafetyAssessment" -> withBody.apply(assessment(org));
            case "writeApplicationDossier" -> withBody.apply(Map.of("contact", "safety@" + org + ".example"));
            case "voteOnReview" -> withBody.apply(Map.of("choice", "abstain", "comment", "matrix"));
            case "overrideSafetyVerdict" -> withBody.apply(Map.of("item", server.get("/api/v1/assessments/"
                    + assessments.get(org) + "/results?limit=1").token(server.operatorToken()).expect(200)
                    .path("items").get(0).path("result").path("id").asText(), "pass", true, "refused", false,
                    "reason", "the matrix overrules it"));
            case "revokeReview" -> withBody.apply(Map.of("reason", "the matrix revokes it"));
            case "createDeployment" -> withBody.apply(Map.of("name", server.unique("dep"), "model", "models/" + org
                    + "/served", "replicas", "0..1"));
            case "updateDeployment" -> withBody.apply(Map.of("requests_per_minute", 1000));
            case "registerReplicaEndpoint" -> withBody.apply(Map.of("url", "http://127.0.0.1:9"));
            case "createCompletion" -> withBody.apply(Map.of("model", org + "/probe", "prompt", "hi", "max_tokens",
                    1));
            case "createChatCompletion" -> withBody.apply(Map.of("model", org + "/probe", "messages", List.of(Map.of(
                    "role", "user", "content", "hi")), "max_tokens", 1));
            case "createEmbedding" -> withBody.apply(Map.of("model", org + "/probe", "input", "hi"));
            case "hfModelPathsInfo", "hfDatasetPathsInfo" -> withBody.apply(Map.of("paths", List.of("dir/file.txt")));
            case "hfLfsDownload" -> {
                // The href the batch API hands out for the probe's file.
                String oid = dev.incubator.hub.chunk.Hashes.sha256("hi".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                String href = server.post("/" + org + "/probe.git/info/lfs/objects/batch").token(server.operatorToken())
                        .json(Map.of("operation", "download", "objects", List.of(Map.of("oid", oid, "size", 2))))
                        .expect(200).path("objects").get(0).path("actions").path("download").path("href").asText();
                yield server.request("GET", href.substring(href.indexOf("/api/"))).token(token);
            }
            case "hfLfsUpload" -> {
                Map.Entry<String, byte[]> upload = signedUpload(org);
                yield server.request("PUT", upload.getKey()).token(token).raw("application/octet-stream",
                        upload.getValue());
            }
            case "hfLfsVerify" -> {
                Map.Entry<String, byte[]> upload = signedUpload(org);
                server.request("PUT", upload.getKey()).raw("application/octet-stream", upload.getValue()).send();
                String verify = upload.getKey().replace("?", "/verify?");
                yield server.request("POST", verify).token(token).json(Map.of());
            }
            default -> server.request(route.method().name(), path(route, org, subject)).token(token);
        };
    }

    private interface Work<T> {
        T get() throws Exception;
    }

    private static <T> T uncheck(Work<T> work) {
        try {
            return work.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private XetTestClient.Xorb xorb() {
        byte[] chunk = server.unique("xet-chunk").repeat(100).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return uncheck(() -> XetTestClient.xorb(List.of(chunk)));
    }

    /** A CAS token for the organisation's probe model, as the operator gets it. */
    private String casToken(String org, String scope) {
        return server.get("/api/models/" + org + "/probe/xet-" + scope + "-token/main").token(server.operatorToken())
                .expect(200).path("accessToken").asText();
    }

    private TestServer.Request cas(String casToken, String method, String path, byte[] body) {
        TestServer.Request request = server.request(method, "/api/v1/hub/xet" + path).header("Authorization",
                "Bearer " + casToken);
        return body == null ? request : request.raw("application/octet-stream", body);
    }

    private final Map<String, String> xetFiles = new LinkedHashMap<>();

    /** A file of the organisation's probe model uploaded over Xet and committed; its Xet hash. */
    private String xetFile(String org) {
        return xetFiles.computeIfAbsent(org, key -> {
            String write = casToken(org, "write");
            XetTestClient.Xorb xorb = xorb();
            cas(write, "POST", "/v1/xorbs/default/" + xorb.hash(), xorb.bytes()).expect(200);
            List<XetTestClient.Term> terms = List.of(new XetTestClient.Term(xorb, 0, 1));
            byte[] content = uncheck(() -> XetTestClient.content(terms));
            String sha256 = XetTestClient.sha256(content);
            cas(write, "POST", "/v1/shards", XetTestClient.shard(terms, sha256)).expect(200);
            server.post("/api/models/" + org + "/probe/commit/main").token(server.operatorToken())
                    .raw("application/x-ndjson", "{\"key\":\"header\",\"value\":{\"summary\":\"xet\"}}\n"
                            + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"xet.bin\",\"oid\":\"" + sha256
                            + "\",\"size\":" + content.length + "}}\n").expect(200);
            return XetTestClient.fileHash(terms);
        });
    }

    /** A fresh repository of the organisation, made by the operator for a route that deletes or moves one. */
    private String doomed(String org, String type) {
        String name = server.unique("doomed");
        server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", type, "namespace", org,
                "name", name)).expect(201);
        return name;
    }

    /** The route's path with its parameters filled for {@code org}; member routes get a fresh member. */
    private String path(ApiRoute route, String org, Subject subject) {
        String path = route.path().replace("{org}", org).replace("{grant}", grants.get(org))
                .replace("{evaluation}", evaluations.get(org))
                .replace("{assessment}", assessments.get(org))
                .replace("{review}", route.operationId().equals("decideReview") ? decidable(org, false)
                        : route.operationId().equals("revokeReview") ? decidable(org, true) : reviews.get(org))
                .replace("{user}", "target").replace("{kind}", "model").replace("{namespace}", org)
                .replace("{revision}", "main").replace("{repo}", "probe.git")
                .replace("<path>", route.operationId().contains("TreePath") ? "dir" : "dir/file.txt");
        if (route.operationId().equals("requestReview")) {
            String fresh = server.unique("app");
            server.post("/api/v1/orgs/" + org + "/applications").token(server.operatorToken()).json(application(fresh))
                    .expect(201);
            return path.replace("{name}", fresh);
        }
        if (route.operationId().equals("deleteDeployment")) {
            String doomed = server.unique("doomed");
            server.post("/api/v1/orgs/" + org + "/deployments").token(server.operatorToken()).json(Map.of("name",
                    doomed, "model", "models/" + org + "/served", "replicas", "0..1")).expect(201);
            return path.replace("{name}", doomed);
        }
        if (route.operationId().equals("deleteRepository")) {
            String doomed = server.unique("doomed");
            server.post("/api/v1/repos").token(server.operatorToken()).json(Map.of("kind", "model", "namespace", org,
                    "name", doomed)).expect(201);
            return path.replace("{name}", doomed);
        }
        if (route.tag().equals("access") && route.path().contains("{name}")) {
            path = path.replace("{name}", "gated-probe");
            if (path.contains("{request}")) {
                String id = accessRequest(org);
                if (route.operationId().equals("revokeAccess")) {
                    server.post("/api/v1/repos/model/" + org + "/gated-probe/access-requests/" + id + "/approve")
                            .token(tokens.get(Subject.OWNER)).json(Map.of("expires_on", java.time.LocalDate.now()
                                    .plusDays(10).toString(), "mode", "download")).expect(200);
                }
                path = path.replace("{request}", id);
            }
            return path;
        }
        path = path.replace("{name}", "probe");
        if (path.contains("{branch}") || path.contains("{tag}")) {
            String ref = server.unique("probe-ref");
            String type = route.operationId().startsWith("hfDataset") ? "dataset" : "model";
            if (route.method().name().equals("DELETE")) {
                server.post("/api/v1/repos/" + type + "/" + org + "/probe/refs").token(server.operatorToken())
                        .json(Map.of("name", ref, "kind", path.contains("{tag}") ? "tag" : "branch")).expect(201);
            }
            return path.replace("{branch}", ref).replace("{tag}", ref);
        }
        if (route.operationId().equals("deleteRef")) {
            String tag = server.unique("doomed-tag");
            server.post("/api/v1/repos/model/" + org + "/probe/refs").token(server.operatorToken())
                    .json(Map.of("name", tag, "kind", "tag")).expect(201);
            return path.replace("{ref}", tag);
        }
        if (route.operationId().equals("shredOrganisationKey")) {
            return path + "?confirm=" + org;
        }
        if (route.operationId().equals("diffRevisions")) {
            return path + "?from=main";
        }
        if (route.operationId().equals("auditInclusionProof")) {
            return path + "?sequence=1";
        }
        if (route.operationId().equals("auditConsistencyProof") || route.operationId().equals("auditExport")) {
            long size = server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200)
                    .path("tree_size").asLong();
            return path + (route.operationId().equals("auditExport") ? "?from=0&to=" + Math.min(size, 50)
                    + "&tree_size=" + size : "?first=" + size + "&second=" + size);
        }
        if (route.path().endsWith("/members/{user}")) {
            if (route.operationId().equals("getMember")) {
                return path.replace("/members/target", "/members/" + (org.equals("own") ? "u-viewer" : "u-outsider"));
            }
            String member = server.unique("member");
            server.createUser(member);
            server.addMember(org, member, "member");
            return path.replace("/members/target", "/members/" + member);
        }
        if (route.operationId().equals("cancelJob") || route.operationId().equals("cancelJobById")) {
            return path.replace("{job}", submit(org, "sleep 5"));
        }
        if (route.operationId().equals("publishJobModel")) {
            return path.replace("{job}", publishable.get(org));
        }
        if (route.path().contains("{template}")) {
            return path.replace("{template}", "pretrain");
        }
        if (route.path().contains("{job}")) {
            return path.replace("{job}", jobs.get(org));
        }
        if (route.path().contains("{token}")) {
            JsonNode issued = server.post("/api/v1/tokens").token(tokens.get(subject))
                    .json(Map.of("name", "to-revoke")).expect(201);
            return path.replace("{token}", issued.path("token").path("id").asText());
        }
        return path;
    }
}
