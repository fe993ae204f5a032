package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console over plain HTTP: signing in with a token into a session cookie (HttpOnly, SameSite=Strict), CSRF on
 * every form, pages in the browser's language, another organisation's pages answering 404, sign-out revoking the
 * session. The browser walk is ConsoleBrowserTest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleTest {
    private TestServer server;
    private ConsoleClient console;
    private String adaToken;
    private String bobToken;
    private String job;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        console = new ConsoleClient(server);
        server.createOrg("lab");
        server.createOrg("rivals");
        server.createUser("ada");
        server.createUser("bob");
        server.addMember("lab", "ada", "member");
        server.addMember("rivals", "bob", "member");
        server.awardGrant("lab", Map.of("any", 40));
        adaToken = server.tokenFor("ada", "read", "write");
        bobToken = server.tokenFor("bob", "read", "write");
        server.post("/api/v1/repos").token(adaToken).json(Map.of("kind", "model", "namespace", "lab", "name",
                "tiny", "visibility", "public")).expect(201);
        server.commit(adaToken, "models/lab/tiny", Map.of("README.md", "---\nlicense: apache-2.0\ndatasets:"
                + " [lab/notes]\n---\n# Tiny\nA tiny bilingual model.\n", "config.json", "{\"dim\": 64}")).expect(200);
        server.post("/api/v1/repos").token(adaToken).json(Map.of("kind", "dataset", "namespace", "lab", "name",
                "notes", "visibility", "gated")).expect(201);
        server.commit(adaToken, "datasets/lab/notes", Map.of("README.md", "---\nlicense: cc-by-nc-4.0\nsensitive:"
                + " [health]\ngated_conditions: for health research only\n---\nClinical notes.\n", "notes.txt",
                "patient 17: chest pain")).expect(200);
        server.post("/api/v1/repos").token(adaToken).json(Map.of("kind", "model", "namespace", "lab", "name",
                "secret", "visibility", "organisation")).expect(201);
        job = server.post("/api/v1/orgs/lab/jobs").token(adaToken).json(Map.of("name", "hello", "command",
                List.of("bash", "-c", "echo hello from the lab"))).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/orgs/lab/jobs/" + job).token(adaToken)
                .expect(200).path("state").asText().equals("succeeded"));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aMemberSignsInSeesTheirOrganisationAndJobAndSignsOutForGood() throws Exception {
        assertThat(get("/", null).headers().firstValue("Location").orElse("")).contains("/console");
        assertThat(get("/console", null).headers().firstValue("Location").orElse("")).contains("/console/sign-in");

        String session = signIn("ada", adaToken);
        HttpResponse<String> home = get("/console", session);
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body()).contains("Your organisations", "lab", "40.0", "GPU-hours");
        assertThat(home.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("default-src 'self'", "frame-ancestors 'none'"));
        assertThat(get("/console/jobs", session).body()).contains("hello", job, "succeeded");
        assertThat(get("/console/orgs/lab/jobs/" + job, session).body()).contains("hello from the lab",
                "echo hello from the lab");

        // Sign-out needs the form's CSRF token; then the cookie signs nobody in.
        assertThat(post("/console/sign-out", session, Map.of("csrf", "forged")).statusCode()).isEqualTo(403);
        String csrf = csrf(home.body());
        assertThat(post("/console/sign-out", session, Map.of("csrf", csrf)).statusCode()).isEqualTo(303);
        assertThat(get("/console", session).headers().firstValue("Location").orElse(""))
                .contains("/console/sign-in");
    }

    @Test
    void anotherOrganisationsMemberGetsNotFoundOnEveryPageOfTheFirstsData() throws Exception {
        String session = signIn("", bobToken);
        for (String page : List.of("/console/orgs/lab/jobs/" + job, "/console/orgs/lab/jobs/" + job + "/events",
                "/console/jobs?org=lab", "/console/orgs/lab/jobs/job_doesnotexist")) {
            HttpResponse<String> answer = get(page, session);
            assertThat(answer.statusCode()).as(page).isEqualTo(404);
            assertThat(answer.body()).as(page).contains("There is nothing here, or you may not see it.")
                    .doesNotContain("hello from the lab");
        }
        String csrf = csrf(get("/console", session).body());
        assertThat(post("/console/orgs/lab/jobs/" + job + "/cancel", session, Map.of("csrf", csrf)).statusCode())
                .isEqualTo(404);
    }

    @Test
    void theHubShowsWhatTheCallerMaySeeAndAGatedDatasetsCardButNotItsContent() throws Exception {
        String ada = signIn("ada", adaToken);
        String models = get("/console/hub?kind=model", ada).body();
        assertThat(models).contains("lab/tiny", "lab/secret", "apache-2.0");
        HttpResponse<String> tiny = get("/console/hub/models/lab/tiny", ada);
        assertThat(tiny.body()).contains("A tiny bilingual model.", "config.json", "Download", "lab/notes")
                .doesNotContain("license: apache-2.0");
        Matcher file = Pattern.compile("href=\"(/console/hub/models/lab/tiny/download/[0-9a-f]+/config.json)\"")
                .matcher(tiny.body());
        assertThat(file.find()).isTrue();
        HttpResponse<String> downloaded = get(file.group(1), ada);
        assertThat(downloaded.statusCode()).isEqualTo(200);
        assertThat(downloaded.body()).isEqualTo("{\"dim\": 64}");
        assertThat(get("/console/hub/datasets/lab/notes", ada).body()).contains("Clinical notes.", "health",
                "for health research only", "notes.txt");

        String bob = signIn("bob", bobToken);
        assertThat(get("/console/hub?kind=model", bob).body()).contains("lab/tiny").doesNotContain("lab/secret");
        assertThat(get("/console/hub/models/lab/secret", bob).statusCode()).isEqualTo(404);
        HttpResponse<String> gated = get("/console/hub/datasets/lab/notes", bob);
        assertThat(gated.statusCode()).isEqualTo(200);
        assertThat(gated.body()).contains("for health research only", "needs an approved access request")
                .doesNotContain("Clinical notes.");
        Matcher notes = Pattern.compile("href=\"(/console/hub/datasets/lab/notes/download/[0-9a-f]+/notes.txt)\"")
                .matcher(gated.body());
        assertThat(notes.find()).isTrue();
        HttpResponse<String> refused = get(notes.group(1), bob);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain("patient 17");
        assertThat(get("/console/hub?kind=model&q=" + "x".repeat(101), bob).statusCode()).isEqualTo(400);

        // Bob asks with a purpose; the lab's steward approves with terms in the inbox; Bob downloads.
        assertThat(post("/console/hub/datasets/lab/notes/access-requests", bob, Map.of("csrf", csrf(gated.body()),
                "purpose", "health-medical-research", "justification", "stroke triage study across three provinces")).statusCode())
                .isEqualTo(303);
        assertThat(get("/console/hub/datasets/lab/notes", bob).body()).contains("Your requests",
                "health or medical research", "pending").doesNotContain("Requests to decide");
        server.createUser("sam");
        server.addMember("lab", "sam", "steward");
        String sam = signIn("sam", server.tokenFor("sam", "read", "write"));
        HttpResponse<String> inbox = get("/console/hub/datasets/lab/notes", sam);
        assertThat(inbox.body()).contains("Requests to decide", "bob", "stroke triage study");
        Matcher decide = Pattern.compile("action=\"(/console/hub/datasets/lab/notes/access-requests/[^\"]+)\"")
                .matcher(inbox.body());
        assertThat(decide.find()).isTrue();
        HttpResponse<String> badDate = post(decide.group(1), sam, Map.of("csrf", csrf(inbox.body()), "decision",
                "approve", "expires_on", "soon"));
        assertThat(badDate.statusCode()).isEqualTo(400);
        assertThat(badDate.body()).contains("give the last day of the agreement as a date");
        assertThat(post(decide.group(1), bob, Map.of("csrf", csrf(gated.body()), "decision", "approve", "expires_on",
                java.time.LocalDate.now().plusDays(30).toString())).statusCode()).as("not the requester's to decide")
                .isEqualTo(403);
        assertThat(post(decide.group(1), sam, Map.of("csrf", csrf(inbox.body()), "decision", "approve",
                "expires_on", java.time.LocalDate.now().plusDays(30).toString(), "mode", "download")).statusCode())
                .isEqualTo(303);
        assertThat(get("/console/hub/datasets/lab/notes", bob).body()).contains("approved", "download, until",
                "no redistribution", "Clinical notes.");
        HttpResponse<String> granted = get(notes.group(1), bob);
        assertThat(granted.statusCode()).isEqualTo(200);
        assertThat(granted.body()).isEqualTo("patient 17: chest pain");

        // Bob's own list holds the request with its terms; the steward revokes with a reason, which Bob reads there.
        assertThat(get("/console/access-requests", bob).body()).contains("Your access requests",
                "href=\"/console/hub/datasets/lab/notes\"", "approved", "download, until", "no redistribution");
        assertThat(get("/console/access-requests", ada).body()).contains("You have not asked for access");
        assertThat(get("/console/access-requests?page=zero", bob).statusCode()).isEqualTo(400);
        inbox = get("/console/hub/datasets/lab/notes", sam);
        assertThat(inbox.body()).contains(">Revoke</button>");
        assertThat(post(decide.group(1), sam, Map.of("csrf", csrf(inbox.body()), "decision", "revoke", "reason",
                " ")).statusCode()).as("a revocation says why").isEqualTo(400);
        assertThat(post(decide.group(1), bob, Map.of("csrf", csrf(gated.body()), "decision", "revoke", "reason",
                "mine")).statusCode()).as("not the requester's to revoke").isEqualTo(403);
        assertThat(post(decide.group(1), sam, Map.of("csrf", csrf(inbox.body()), "decision", "revoke", "reason",
                "the ethics approval lapsed")).statusCode()).isEqualTo(303);
        assertThat(get(notes.group(1), bob).statusCode()).as("revoked on the next read").isEqualTo(403);
        assertThat(get("/console/access-requests", bob).body()).contains("revoked", "the ethics approval lapsed");
        assertThat(get("/console/hub/datasets/lab/notes", bob).body()).as("may ask again").contains("Ask for access");
    }

    @Test
    void hostileInputOnEveryConsoleRouteGetsAPageWithTheProblemNeverAServerError() throws Exception {
        String ada = signIn("ada", adaToken);
        String csrf = csrf(get("/console", ada).body());
        Map<String, Integer> pages = new LinkedHashMap<>();
        pages.put("/console/jobs?org=lab&state=exploded", 400);
        pages.put("/console/jobs?org=lab&cursor=%00%FF!!", 400);
        pages.put("/console/jobs?org=" + "x".repeat(300), 404);
        pages.put("/console/hub?kind=dataset&cursor=not-a-cursor", 400);
        pages.put("/console/hub/widgets/lab/tiny", 404);
        pages.put("/console/hub/models/lab/tiny?revision=no-such-branch", 200);
        pages.put("/console/hub/models/lab/tiny/download/" + "0".repeat(40) + "/config.json", 404);
        pages.put("/console/hub/models/lab/tiny/download/main/..%2F..%2Fetc%2Fpasswd", 404);
        pages.put("/console/orgs/lab/jobs/%27%3B--", 404);
        pages.put("/console/orgs/rivals/deployments/chat", 404);
        pages.put("/console/orgs/lab/deployments/none", 404);
        pages.put("/console/reviews/rev_nothing", 404);
        pages.put("/console/reviews?state=%3Cscript%3E", 403);
        pages.put("/console/templates/%3Cscript%3E", 404);
        pages.put("/console/orgs/rivals", 404);
        pages.put("/console/cluster", 200);
        pages.put("/console/leaderboards?benchmark=%3Cscript%3E", 400);
        pages.put("/console/leaderboards?subject=" + "%3Cb%3E".repeat(200), 200);
        pages.put("/console/deployments?model=%3Cscript%3Ealert(1)%3C/script%3E", 200);
        for (var page : pages.entrySet()) {
            HttpResponse<String> answer = get(page.getKey(), ada);
            assertThat(answer.statusCode()).as(page.getKey() + ": " + answer.body()).isEqualTo(page.getValue());
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).as(page.getKey())
                    .startsWith("text/html");
        }
        // A live part's stream answers its errors as plain text, which a browser's EventSource stops on.
        for (String stream : List.of("/console/orgs/lab/jobs/%27%3B--/events", "/console/orgs/%3Cb%3E/jobs/x/log"
                + "/events?from=-1", "/console/jobs/events?org=lab&state=%3Cscript%3E", "/console/jobs/events?org=lab"
                + "&cursor=%00%00")) {
            HttpResponse<String> answer = get(stream, ada);
            assertThat(answer.statusCode()).as(stream + ": " + answer.body()).isBetween(400, 404);
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).as(stream).startsWith("text/plain");
            assertThat(answer.body()).as(stream).doesNotContain("<script>");
        }
        Map<String, Map<String, String>> forms = new LinkedHashMap<>();
        forms.put("/console/hub/datasets/lab/notes/access-requests", Map.of("csrf", csrf, "purpose", "piracy",
                "justification", "y".repeat(5000)));
        forms.put("/console/hub/models/lab/tiny/access-requests", Map.of("csrf", csrf));
        forms.put("/console/hub/datasets/lab/notes/access-requests/dua_nothing", Map.of("csrf", csrf, "decision",
                "deny"));
        forms.put("/console/settings/sessions/ses_nothing/revoke", Map.of("csrf", csrf));
        forms.put("/console/templates/pretrain", Map.of("csrf", csrf, "org", "lab", "param.steps", "x".repeat(100),
                "gpus_per_node", "NaN?"));
        forms.put("/console/deployments", Map.of("csrf", csrf, "org", "lab", "name", "../../x", "model",
                "models/lab/../secret"));
        forms.put("/console/orgs/lab/jobs/" + job + "/publish", Map.of("csrf", csrf, "to", "models/rivals/stolen"));
        forms.put("/console/reviews/rev_nothing/votes", Map.of("csrf", csrf, "choice", "approve"));
        forms.put("/console/orgs/lab/grants/grt_nothing/adjustments", Map.of("csrf", csrf, "gpu_hours", "1e999999",
                "note", "x"));
        for (var form : forms.entrySet()) {
            HttpResponse<String> answer = post(form.getKey(), ada, form.getValue());
            assertThat(answer.statusCode()).as(form.getKey() + ": " + answer.body()).isBetween(400, 499);
            assertThat(answer.body()).as(form.getKey()).contains("class=\"problem\"");
        }
        assertThat(get("/console", "z".repeat(5000)).headers().firstValue("Location").orElse(""))
                .as("a cookie no session has").contains("/console/sign-in");
        HttpResponse<String> noCookie = post("/console/sign-in", null, Map.of("csrf", "", "token", adaToken));
        assertThat(noCookie.statusCode()).isEqualTo(403);
        assertThat(get("/console/deployments?model=%3Cscript%3Ealert(1)%3C/script%3E", ada).body())
                .doesNotContain("<script>alert");

        // The playground's turn answers JSON the page's script shows: never another organisation's model.
        Map<String, Integer> chats = new LinkedHashMap<>();
        chats.put("/console/orgs/lab/deployments/none/chat", 404);
        chats.put("/console/orgs/rivals/deployments/chat/chat", 404);
        for (var chat : chats.entrySet()) {
            HttpResponse<String> answer = post(chat.getKey(), ada, Map.of("csrf", csrf, "messages",
                    "[{\"role\":\"user\",\"content\":\"hi\"}]"));
            assertThat(answer.statusCode()).as(chat.getKey()).isEqualTo(chat.getValue());
            assertThat(answer.body()).as(chat.getKey()).contains("\"error\"", "There is nothing here");
        }
        assertThat(post("/console/orgs/lab/deployments/none/chat", ada, Map.of("csrf", "forged")).statusCode())
                .isEqualTo(403);
        assertThat(post("/console/orgs/lab/deployments/none/chat", null, Map.of("csrf", csrf)).statusCode())
                .isEqualTo(401);
    }

    @Test
    void theLeaderboardsSayWhatToDoBeforeAnyEvaluationHasFinished() throws Exception {
        HttpResponse<String> page = get("/console/leaderboards", signIn("ada", adaToken));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Leaderboards", "No finished evaluation you may see yet",
                "incubator eval run").doesNotContain("<svg class=\"interval\"");
        assertThat(get("/console/leaderboards", null).headers().firstValue("Location").orElse(""))
                .contains("/console/sign-in");
    }

    @Test
    void signingInRefusesForgedFormsAndWrongTokensWithTheSameWords() throws Exception {
        HttpResponse<String> page = get("/console/sign-in", null);
        String nonce = cookie(page, "incubator_sign_in");
        assertThat(page.headers().allValues("Set-Cookie").toString()).contains("HttpOnly", "SameSite=Strict");
        HttpResponse<String> forged = post("/console/sign-in", null, Map.of("csrf", "x", "token", adaToken),
                "incubator_sign_in=" + nonce);
        assertThat(forged.statusCode()).isEqualTo(403);
        HttpResponse<String> fresh = get("/console/sign-in", null);
        HttpResponse<String> wrong = post("/console/sign-in", null, Map.of("csrf", csrf(fresh.body()), "token",
                "inc_" + "x".repeat(43)), "incubator_sign_in=" + cookie(fresh, "incubator_sign_in"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("That token does not sign anyone in");
        HttpResponse<String> again = get("/console/sign-in", null);
        HttpResponse<String> mismatch = post("/console/sign-in", null, Map.of("csrf", csrf(again.body()), "user",
                "bob", "token", adaToken), "incubator_sign_in=" + cookie(again, "incubator_sign_in"));
        assertThat(mismatch.statusCode()).as("another user's name").isEqualTo(401);
        assertThat(mismatch.body()).contains("That token does not sign anyone in");
    }

    @Test
    void pagesSpeakTheBrowsersLanguageAndSwitchOnRequestAndBothBundlesHoldTheSameKeys() throws Exception {
        String session = signIn("ada", adaToken);
        HttpRequest chinese = HttpRequest.newBuilder(server.url().resolve("/console")).header("Cookie",
                "incubator_session=" + session).header("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5").build();
        String body = console.send(chinese).body();
        assertThat(body).contains("<html lang=\"zh\">", "您的组织", "算力资助", "English");
        HttpResponse<String> switched = get("/console/language?to=en&back=/console/jobs", session);
        assertThat(switched.headers().firstValue("Location").orElse("")).contains("/console/jobs");
        assertThat(cookie(switched, "incubator_lang")).isEqualTo("en");
        assertThat(get("/console/language?to=zh&back=https://evil.example/", session).headers()
                .firstValue("Location").orElse("")).as("no open redirect").isEqualTo("/console");

        Properties en = new Properties();
        Properties zh = new Properties();
        en.load(new java.io.InputStreamReader(ConsoleTest.class.getResourceAsStream(
                "/dev/incubator/server/console/messages_en.properties"), StandardCharsets.UTF_8));
        zh.load(new java.io.InputStreamReader(ConsoleTest.class.getResourceAsStream(
                "/dev/incubator/server/console/messages_zh.properties"), StandardCharsets.UTF_8));
        assertThat(zh.keySet()).isEqualTo(en.keySet());
    }

    @Test
    void aUserSeesTheirSessionsAndRevokesOneWhichIsSignedOutAtOnce() throws Exception {
        String first = signIn("ada", adaToken);
        String second = signIn("ada", adaToken);
        HttpResponse<String> list = get("/console/settings/sessions", second);
        assertThat(list.body()).contains("this browser", "active");
        // Revoke every other browser of ada's (this one's row says so and is kept).
        int revoked = 0;
        for (String row : list.body().split("<tr>")) {
            Matcher revoke = Pattern.compile("action=\"(/console/settings/sessions/[^\"]+/revoke)\"").matcher(row);
            if (revoke.find() && !row.contains("this browser")) {
                assertThat(post(revoke.group(1), second, Map.of("csrf", csrf(list.body()))).statusCode())
                        .isEqualTo(303);
                revoked++;
            }
        }
        assertThat(revoked).isPositive();
        assertThat(get("/console", first).headers().firstValue("Location").orElse("")).as("revoked")
                .contains("/sign-in");
        assertThat(get("/console", second).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Signs in through the form; returns the session cookie's value. */
    @Test
    void aMemberFillsATemplateFormSubmitsItAndSeesTheRunsMetricsDrawn() throws Exception {
        server.post("/api/v1/repos").token(adaToken).json(Map.of("kind", "dataset", "namespace", "lab", "name",
                "corpus", "visibility", "organisation")).expect(201);
        server.commit(adaToken, "datasets/lab/corpus", Map.of("corpus.txt", "the quick brown fox\n")).expect(200);
        String ada = signIn("ada", adaToken);
        assertThat(get("/console/templates", ada).body()).contains("pretrain", "finetune", "tokenizer",
                "/console/templates/pretrain");
        HttpResponse<String> form = get("/console/templates/pretrain", ada);
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"param.data\"", "name=\"param.model.layers\"", "value=\"300\"",
                "max=\"128\"", "<option value=\"lab\" selected>");
        assertThat(get("/console/templates/nonesuch", ada).statusCode()).isEqualTo(404);

        // The API's own checks answer, in their words, on the console's problem page.
        Map<String, String> filled = new LinkedHashMap<>(Map.of("csrf", csrf(form.body()), "org", "lab",
                "param.data", "datasets/lab/corpus", "param.steps", "0", "name", "from-the-console"));
        HttpResponse<String> refused = post("/console/templates/pretrain", ada, filled);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("steps", "Back to the form");
        filled.put("param.steps", "20");
        filled.put("param.data", "datasets/lab/notes");
        assertThat(post("/console/templates/pretrain", ada, filled).body()).as("the sensitive-data gate")
                .contains("holds sensitive data (health)", "incubator app create lab/NAME");
        filled.put("param.data", "datasets/lab/corpus");
        filled.put("time_limit_minutes", "not a number");
        assertThat(post("/console/templates/pretrain", ada, filled).body()).contains("must be a whole number");
        filled.put("time_limit_minutes", "5");
        assertThat(post("/console/templates/pretrain", ada, Map.of("csrf", csrf(form.body()), "org", "rivals",
                "param.data", "datasets/lab/notes")).statusCode()).as("not a member of rivals").isEqualTo(404);
        HttpResponse<String> submitted = post("/console/templates/pretrain", ada, filled);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(303);
        String location = submitted.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/console/orgs/lab/jobs/job_");
        String id = location.substring(location.lastIndexOf('/') + 1);
        JsonNodeAssert.run(server.get("/api/v1/jobs/" + id + "/run").token(adaToken).expect(200), run -> {
            assertThat(run.path("template").asText()).isEqualTo("pretrain");
            assertThat(run.path("template_params").path("steps").asInt()).isEqualTo(20);
            assertThat(run.path("name").asText()).isEqualTo("from-the-console");
        });
        server.post("/api/v1/orgs/lab/jobs/" + id + "/cancel").token(adaToken).send();

        // Metrics a run reports are drawn as charts on its page.
        for (int step = 1; step <= 5; step++) {
            server.post("/api/v1/jobs/" + job + "/metrics").token(adaToken).json(Map.of("step", step * 10, "values",
                    Map.of("loss", 5.0 / step, "learning_rate", 0.001))).expect(200);
        }
        String page = get("/console/orgs/lab/jobs/" + job, ada).body();
        assertThat(page).contains("Metrics", "<svg class=\"chart\"", "loss: 1 at step 50", "learning_rate");
        assertThat(page.indexOf("loss")).as("loss first").isLessThan(page.indexOf("learning_rate"));
        assertThat(get("/console/orgs/lab/jobs/" + job + "/events", signIn("", bobToken)).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aFinishedJobIsSubmittedAgainAsItWasOrWithChangedParametersOnlyFromItsOwnOrganisation() throws Exception {
        String ada = signIn("ada", adaToken);
        String page = get("/console/orgs/lab/jobs/" + job, ada).body();
        assertThat(page).contains("Submit again as it was", "/console/orgs/lab/jobs/" + job + "/resubmit")
                .as("not a template run").doesNotContain("Change its parameters");
        HttpResponse<String> again = post("/console/orgs/lab/jobs/" + job + "/resubmit", ada, Map.of("csrf",
                csrf(page)));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(303);
        String location = again.headers().firstValue("Location").orElseThrow();
        String second = location.substring(location.lastIndexOf('/') + 1);
        assertThat(second).startsWith("job_").isNotEqualTo(job);
        JsonNodeAssert.run(server.get("/api/v1/orgs/lab/jobs/" + second).token(adaToken).expect(200), copy -> {
            assertThat(copy.path("name").asText()).isEqualTo("hello");
            assertThat(copy.path("command").toString()).contains("echo hello from the lab");
            assertThat(copy.path("submitted_by").asText()).isEqualTo("ada");
        });

        // A job still running is not doubled; another organisation's member cannot submit the lab's job as theirs.
        String running = server.post("/api/v1/orgs/lab/jobs").token(adaToken).json(Map.of("name", "long",
                "command", List.of("sleep", "60"))).expect(201).path("id").asText();
        HttpResponse<String> refused = post("/console/orgs/lab/jobs/" + running + "/resubmit", ada, Map.of("csrf",
                csrf(page)));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("has not finished; cancel it first");
        server.post("/api/v1/orgs/lab/jobs/" + running + "/cancel").token(adaToken).send();
        String bob = signIn("", bobToken);
        assertThat(post("/console/orgs/lab/jobs/" + job + "/resubmit", bob, Map.of("csrf", csrf(get("/console",
                bob).body()))).statusCode()).isEqualTo(404);
        assertThat(post("/console/orgs/rivals/jobs/" + job + "/resubmit", bob, Map.of("csrf", csrf(get("/console",
                bob).body()))).statusCode()).as("the lab's job under bob's organisation").isEqualTo(404);

        // A template run's form comes back filled with what it was given, to change and submit again.
        server.post("/api/v1/repos").token(adaToken).json(Map.of("kind", "dataset", "namespace", "lab", "name",
                "words", "visibility", "organisation")).expect(201);
        server.commit(adaToken, "datasets/lab/words", Map.of("words.txt", "a few words\n")).expect(200);
        String form = get("/console/templates/pretrain", ada).body();
        HttpResponse<String> submitted = post("/console/templates/pretrain", ada, Map.of("csrf", csrf(form), "org",
                "lab", "param.data", "datasets/lab/words", "param.steps", "17", "name", "first-try", "priority",
                "preemptible", "time_limit_minutes", "7"));
        String run = submitted.headers().firstValue("Location").orElseThrow();
        run = run.substring(run.lastIndexOf('/') + 1);
        server.post("/api/v1/orgs/lab/jobs/" + run + "/cancel").token(adaToken).send();
        assertThat(get("/console/orgs/lab/jobs/" + run, ada).body()).contains(
                "Change its parameters and submit again", "/console/templates/pretrain?org&#61;lab&amp;from&#61;" + run);
        String refill = get("/console/templates/pretrain?org=lab&from=" + run, ada).body();
        assertThat(refill).contains("Filled in from the run", run, "value=\"17\"", "value=\"datasets/lab/words\"",
                "value=\"first-try\"", "value=\"7\"", "<option value=\"preemptible\" selected>");
        HttpResponse<String> other = get("/console/templates/finetune?from=" + run, ada);
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(other.body()).contains("made from another template");
        assertThat(get("/console/templates/pretrain?from=" + run, bob).statusCode()).as("bob may not see the run")
                .isEqualTo(404);
        assertThat(get("/console/templates/pretrain?from=job_nonesuch", ada).statusCode()).isEqualTo(404);
    }

    @Test
    void anOperatorAwardsAGrantSeesTheClusterAndTheAuditLogWhichAMemberMayNot() throws Exception {
        String operator = signIn("", server.operatorToken());
        HttpResponse<String> cluster = get("/console/cluster", operator);
        assertThat(cluster.statusCode()).isEqualTo(200);
        assertThat(cluster.body()).contains("GPUs in use", "<svg class=\"chart\"", "Nodes", "isolation");
        assertThat(get("/console/orgs", operator).body()).contains("/console/orgs/lab", "/console/orgs/rivals");
        HttpResponse<String> rivals = get("/console/orgs/rivals", operator);
        assertThat(rivals.body()).contains("Award a grant", "No grant you can see.");
        Map<String, String> award = new LinkedHashMap<>(Map.of("csrf", csrf(rivals.body()), "programme",
                "2027 seed compute", "gpu_hours", "120", "gpu_type", "any", "guaranteed_gpus", "500", "starts_on",
                "2026-01-01", "ends_on", "2099-12-31"));
        HttpResponse<String> awarded = post("/console/orgs/rivals/grants", operator, award);
        assertThat(awarded.statusCode()).as(awarded.body()).isEqualTo(303);
        assertThat(server.get("/api/v1/orgs/rivals/grants").token(server.operatorToken()).expect(200).path("items")
                .get(0).path("programme").asText()).isEqualTo("2027 seed compute");
        String shown = get("/console/orgs/rivals", operator).body();
        assertThat(shown).contains("2027 seed compute", "120").containsPattern("guarantee[^<]*cluster");
        HttpResponse<String> adjusted = post(shown.substring(shown.indexOf("/console/orgs/rivals/grants/"),
                shown.indexOf("/adjustments") + "/adjustments".length()), operator, Map.of("csrf", csrf(shown),
                "gpu_hours", "-20", "gpu_type", "any", "note", "a correction"));
        assertThat(adjusted.statusCode()).as(adjusted.body()).isEqualTo(303);
        assertThat(get("/console/orgs/rivals", operator).body()).contains("100");
        String audit = get("/console/audit", operator).body();
        assertThat(audit).contains("Latest signed tree head", "grant.award", "Ed25519", "id=\"audit-verify\"");
        // The export the page offers is what 'incubator audit verify' checks: it verifies offline, to the last event.
        HttpResponse<String> export = get("/console/audit/export?last=5", operator);
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment");
        com.fasterxml.jackson.databind.JsonNode bundle = TestServer.JSON.readTree(export.body());
        assertThat(bundle.path("entries").size()).isEqualTo(5);
        assertThat(bundle.path("to").asLong()).isEqualTo(bundle.path("tree_head").path("tree_size").asLong());
        List<dev.incubator.governance.audit.AuditVerifier.Entry> entries = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode entry : bundle.path("entries")) {
            List<byte[]> path = new java.util.ArrayList<>();
            entry.path("audit_path").forEach(node -> path.add(java.util.Base64.getDecoder().decode(node.asText())));
            entries.add(new dev.incubator.governance.audit.AuditVerifier.Entry(entry.path("leaf_index").asLong(),
                    dev.incubator.governance.audit.CanonicalJson.bytes(TestServer.JSON.convertValue(entry.path("event"),
                            Map.class)), path));
        }
        com.fasterxml.jackson.databind.JsonNode head = bundle.path("tree_head");
        var verdict = dev.incubator.governance.audit.AuditVerifier.verify(new dev.incubator.governance.audit.TreeHead(
                head.path("tree_size").asLong(), java.util.Base64.getDecoder().decode(head.path("root_hash").asText()),
                java.time.Instant.parse(head.path("timestamp").asText()), java.util.Base64.getDecoder().decode(head
                        .path("signature").asText())), dev.incubator.governance.audit.HeadSigner.publicKey(bundle
                .path("public_key").asText()), bundle.path("from").asLong(), bundle.path("to").asLong(), entries);
        assertThat(verdict.valid()).as(verdict.message()).isTrue();
        for (String bad : List.of("0", "10001", "many", "-3")) {
            HttpResponse<String> refused = get("/console/audit/export?last=" + bad, operator);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(refused.body()).contains("from 1 to 10000");
        }

        // A member sees none of it, and can not award.
        String ada = signIn("ada", adaToken);
        assertThat(get("/console/cluster", ada).body()).doesNotContain("rivals");
        assertThat(get("/console", ada).body()).doesNotContain("/console/orgs\"", "/console/audit");
        assertThat(get("/console/audit", ada).statusCode()).isEqualTo(403);
        assertThat(get("/console/audit/export", ada).statusCode()).isEqualTo(403);
        HttpResponse<String> refused = post("/console/orgs/lab/grants", ada, Map.of("csrf", csrf(get("/console",
                ada).body()), "programme", "self-service", "gpu_hours", "1000000", "starts_on", "2026-01-01",
                "ends_on", "2099-12-31"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(server.get("/api/v1/orgs/lab/grants").token(adaToken).expect(200).path("items").size())
                .isEqualTo(1);
    }

    @Test
    void aReviewerVotesWithConditionsAndAReviewerOfTheApplicantGetsForbidden() throws Exception {
        server.createOrg("clinic");
        server.createUser("cleo");
        server.addMember("clinic", "cleo", "admin");
        server.createUser("rita", "reviewer");
        server.createUser("dr-clinic", "reviewer");
        server.addMember("clinic", "dr-clinic", "viewer");
        String cleo = server.tokenFor("cleo", "read", "write");
        server.post("/api/v1/orgs/clinic/applications").token(cleo).json(Map.of("name", "triage", "purpose",
                "Triage advice for patients of the clinic's walk-in service", "audience", "public", "domain",
                "medical")).expect(201);
        String review = server.post("/api/v1/orgs/clinic/applications/triage/reviews").token(cleo).expect(201)
                .path("id").asText();

        String applicant = signIn("cleo", cleo);
        assertThat(get("/console/applications", applicant).body()).contains("clinic/triage", "high", "open",
                "held back");
        String rita = signIn("rita", server.tokenFor("rita", "read", "write"));
        assertThat(get("/console/reviews", rita).body()).contains("clinic/triage", "/console/reviews/" + review);
        HttpResponse<String> dossier = get("/console/reviews/" + review, rita);
        assertThat(dossier.body()).contains("Dossier under review", "walk-in service", "Cast the vote",
                "not assessed");
        HttpResponse<String> voted = post("/console/reviews/" + review + "/votes", rita, Map.of("csrf",
                csrf(dossier.body()), "choice", "approve", "comment", "Sound triage rules.", "conditions",
                "human review of every answer\n\nno advice on dosage\n"));
        assertThat(voted.statusCode()).as(voted.body()).isEqualTo(303);
        JsonNodeAssert.run(server.get("/api/v1/reviews/" + review).token(server.operatorToken()).expect(200), shown -> {
            assertThat(shown.path("votes").get(0).path("reviewer").asText()).isEqualTo("user:rita");
            assertThat(shown.path("votes").get(0).path("conditions").toString()).isEqualTo(
                    "[\"human review of every answer\",\"no advice on dosage\"]");
        });
        assertThat(get("/console/reviews/" + review, rita).body()).contains("Sound triage rules.",
                "no advice on dosage");
        assertThat(post("/console/reviews/" + review + "/votes", rita, Map.of("csrf", csrf(dossier.body()),
                "choice", "maybe")).statusCode()).isEqualTo(400);

        String conflicted = signIn("dr-clinic", server.tokenFor("dr-clinic", "read", "write"));
        HttpResponse<String> refused = post("/console/reviews/" + review + "/votes", conflicted, Map.of("csrf",
                csrf(get("/console/reviews/" + review, conflicted).body()), "choice", "approve"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(get("/console/reviews", applicant).statusCode()).as("not a reviewer").isEqualTo(403);
    }

    /** Assertions on a JSON answer, kept together. */
    private static final class JsonNodeAssert {
        static void run(com.fasterxml.jackson.databind.JsonNode node,
                        java.util.function.Consumer<com.fasterxml.jackson.databind.JsonNode> checks) {
            checks.accept(node);
        }
    }

    private String signIn(String user, String token) throws Exception {
        return console.signIn(user, token);
    }

    private HttpResponse<String> get(String path, String session) throws Exception {
        return console.get(path, session);
    }

    private HttpResponse<String> post(String path, String session, Map<String, String> form) throws Exception {
        return console.post(path, session, form, null);
    }

    private HttpResponse<String> post(String path, String session, Map<String, String> form, String cookies)
            throws Exception {
        return console.post(path, session, form, cookies);
    }

    private static String csrf(String html) {
        return ConsoleClient.csrf(html);
    }

    private static String cookie(HttpResponse<String> response, String name) {
        return ConsoleClient.cookie(response, name);
    }
}
