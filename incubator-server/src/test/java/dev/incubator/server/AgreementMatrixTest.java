package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every read route of a gated dataset against every agreement state a reader outside the owning organisation can
 * be in: metadata is visible to all signed-in users, file contents only under an approved download agreement
 * that has not expired (compute-only agreements read only from jobs, see AccessApiTest).
 */
class AgreementMatrixTest {
    @TempDir
    Path dataDir;

    private static final String REPO = "/api/v1/repos/dataset/lab/cohort";
    private static final Map<String, String> CONTENT_ROUTES = Map.of(
            "downloadFile GET", REPO + "/files/main/data.csv",
            "fileInfo HEAD", REPO + "/files/main/data.csv",
            "hfDatasetResolve GET", "/datasets/lab/cohort/resolve/main/data.csv",
            "hfDatasetResolveHead HEAD", "/datasets/lab/cohort/resolve/main/data.csv");
    private static final Map<String, String> METADATA_ROUTES = Map.of(
            "getRepository", REPO,
            "getTree", REPO + "/tree/main",
            "listCommits", REPO + "/commits",
            "hfDatasetInfo", "/api/datasets/lab/cohort",
            "hfDatasetTree", "/api/datasets/lab/cohort/tree/main");

    @Test
    void everyReadRouteAnswersEveryAgreementStateAsSpecified() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer server = TestServer.start(dataDir, clock, Optional.empty())) {
            server.createOrg("lab");
            server.createUser("lab-steward");
            server.addMember("lab", "lab-steward", "steward");
            String steward = server.tokenFor("lab-steward", "read", "write");
            server.post("/api/v1/repos").token(steward).json(Map.of("kind", "dataset", "namespace", "lab", "name",
                    "cohort", "visibility", "gated")).expect(201);
            server.commit(steward, "datasets/lab/cohort", Map.of("data.csv", "a,b\n1,2\n")).expect(200);
            LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
            Map<String, String> readers = new LinkedHashMap<>();
            for (String state : List.of("none", "pending", "approved-download", "approved-compute-only", "expired",
                    "revoked", "denied")) {
                String user = "reader-" + state;
                server.createUser(user);
                String token = server.tokenFor(user, "read", "write");
                readers.put(state, token);
                if (state.equals("none")) {
                    continue;
                }
                String id = server.post(REPO + "/access-requests").token(token).json(Map.of("purpose",
                        "general-research", "justification", "cohort study of sleep and memory")).expect(201)
                        .path("id").asText();
                switch (state) {
                    case "approved-download", "revoked" -> server.post(REPO + "/access-requests/" + id + "/approve")
                            .token(steward).json(Map.of("expires_on", today.plusDays(30).toString(), "mode", "download"))
                            .expect(200);
                    case "approved-compute-only" -> server.post(REPO + "/access-requests/" + id + "/approve")
                            .token(steward).json(Map.of("expires_on", today.plusDays(30).toString(), "mode",
                                    "compute-only")).expect(200);
                    case "expired" -> server.post(REPO + "/access-requests/" + id + "/approve").token(steward)
                            .json(Map.of("expires_on", today.plusDays(1).toString(), "mode", "download")).expect(200);
                    case "denied" -> server.post(REPO + "/access-requests/" + id + "/deny").token(steward)
                            .json(Map.of("reason", "no")).expect(200);
                    default -> { }
                }
                if (state.equals("revoked")) {
                    server.post(REPO + "/access-requests/" + id + "/revoke").token(steward).json(Map.of("reason",
                            "ended")).expect(200);
                }
            }
            clock.advance(Duration.ofDays(2));
            // The git-lfs download href, as the batch API hands it to the steward.
            String oid = dev.incubator.hub.chunk.Hashes.sha256("a,b\n1,2\n".getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            String href = server.post("/datasets/lab/cohort.git/info/lfs/objects/batch").token(steward).json(Map.of(
                    "operation", "download", "objects", List.of(Map.of("oid", oid, "size", 8)))).expect(200)
                    .path("objects").get(0).path("actions").path("download").path("href").asText();
            Map<String, String> contentRoutes = new java.util.LinkedHashMap<>(CONTENT_ROUTES);
            contentRoutes.put("hfLfsDownload GET", href.substring(href.indexOf("/api/")));
            List<String> failures = new ArrayList<>();
            readers.forEach((state, token) -> {
                contentRoutes.forEach((route, path) -> {
                    String method = route.endsWith("HEAD") ? "HEAD" : "GET";
                    int status = server.request(method, path).token(token).send().status();
                    int expected = state.equals("approved-download") ? 200 : 403;
                    if (status != expected) {
                        failures.add(route + " as " + state + ": expected " + expected + " but got " + status);
                    }
                });
                METADATA_ROUTES.forEach((route, path) -> {
                    int status = server.get(path).token(token).send().status();
                    if (status != 200) {
                        failures.add(route + " as " + state + ": expected 200 but got " + status);
                    }
                });
            });
            contentRoutes.forEach((route, path) -> {
                String method = route.endsWith("HEAD") ? "HEAD" : "GET";
                int status = server.request(method, path).send().status();
                if (status != 404) {
                    failures.add(route + " anonymous: expected 404 but got " + status);
                }
            });
            assertThat(failures).isEmpty();
        }
    }
}
