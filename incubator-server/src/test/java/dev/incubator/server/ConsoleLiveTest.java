package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's live parts as a browser's EventSource sees them: a job's output streamed as it is written and resumed
 * from the last event id, the job's facts and the queue re-sent when they change, every stream ended when the job is,
 * when the session is revoked or when the member leaves the organisation; another organisation's member gets 404 and
 * nothing of the output; open streams are bounded per session.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleLiveTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);
    private TestServer server;
    private ConsoleClient console;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private String adaToken;
    private String bobToken;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        console = new ConsoleClient(server);
        server.createOrg("lab");
        server.createOrg("rivals");
        server.createUser("ada");
        server.createUser("bob");
        server.createUser("cy");
        server.addMember("lab", "ada", "member");
        server.addMember("lab", "cy", "member");
        server.addMember("rivals", "bob", "member");
        server.awardGrant("lab", Map.of("any", 40));
        adaToken = server.tokenFor("ada", "read", "write");
        bobToken = server.tokenFor("bob", "read", "write");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** One server-sent event as the browser assembles it. */
    record Event(String name, String data, String id) {
    }

    @Test
    void aRunningJobsOutputArrivesAsItIsWrittenAndTheStreamEndsWithTheJob() throws Exception {
        String ada = console.signIn("ada", adaToken);
        String job = submit(adaToken, "for i in 1 2 3 4 5 6; do echo \"tick $i 时间\"; sleep 0.7; done; printf 'done'");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(job).equals("running"));
        String page = console.get("/console/orgs/lab/jobs/" + job, ada).body();
        assertThat(page).contains("data-events=\"/console/orgs/lab/jobs/" + job + "/log/events?from",
                "data-events=\"/console/orgs/lab/jobs/" + job + "/events\"", "data-part=\"facts\"");

        List<Event> log = assertTimeoutPreemptively(LIMIT, () -> events("/console/orgs/lab/jobs/" + job
                + "/log/events?from=0", ada, null));
        List<Event> output = log.stream().filter(event -> event.name().equals("log")).toList();
        assertThat(output.size()).as("the output came in several events as it was written").isGreaterThan(2);
        String text = String.join("", output.stream().map(Event::data).toList());
        assertThat(text).isEqualTo("tick 1 时间\ntick 2 时间\ntick 3 时间\ntick 4 时间\ntick 5 时间\ntick 6 时间\ndone");
        assertThat(log.getLast()).isEqualTo(new Event("end", "succeeded", null));
        // Each event's id is the byte offset after it: a browser that reconnects resumes there, losing nothing.
        long total = text.getBytes(StandardCharsets.UTF_8).length;
        assertThat(output.getLast().id()).isEqualTo(Long.toString(total));
        String middle = output.get(1).id();
        List<Event> resumed = assertTimeoutPreemptively(LIMIT, () -> events("/console/orgs/lab/jobs/" + job
                + "/log/events?from=0", ada, middle));
        String rest = String.join("", resumed.stream().filter(event -> event.name().equals("log")).map(Event::data)
                .toList());
        assertThat(String.join("", output.get(0).data(), output.get(1).data()) + rest).isEqualTo(text);

        // Offsets that are not offsets start from the beginning; one past the end sends nothing more.
        for (String hostile : List.of("-5", "abc", "99999999999999999999", "1e9", "")) {
            List<Event> again = assertTimeoutPreemptively(LIMIT, () -> events("/console/orgs/lab/jobs/" + job
                    + "/log/events", ada, hostile));
            assertThat(String.join("", again.stream().filter(e -> e.name().equals("log")).map(Event::data).toList()))
                    .as(hostile).isEqualTo(text);
        }
        List<Event> beyond = assertTimeoutPreemptively(LIMIT, () -> events("/console/orgs/lab/jobs/" + job
                + "/log/events?from=" + (total + 1000), ada, null));
        assertThat(beyond).containsExactly(new Event("end", "succeeded", null));
    }

    @Test
    void theJobsFactsAndTheQueueAreSentAgainWhenTheyChangeAndTheJobPageStreamEndsWhenItIsOver() throws Exception {
        String ada = console.signIn("ada", adaToken);
        String job = submit(adaToken, "sleep 4; echo finished");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(job).equals("running"));
        InputStream queue = open("/console/jobs/events?org=lab", ada); // opened while the job runs
        List<Event> facts = assertTimeoutPreemptively(LIMIT, () -> events("/console/orgs/lab/jobs/" + job + "/events",
                ada, null));
        assertThat(facts.getLast().name()).isEqualTo("end");
        Event last = facts.stream().filter(event -> event.name().equals("facts")).reduce((a, b) -> b).orElseThrow();
        assertThat(last.data()).contains("state-succeeded", "<code>" + job + "</code>")
                .doesNotContain("/cancel"); // no cancel button once it is over

        // The queue never ends on its own: it is read until the job shows up as succeeded.
        try (queue) {
            String table = assertTimeoutPreemptively(LIMIT, () -> firstEventContaining(queue, "queue", job));
            assertThat(table).contains("<table>", job);
        }
    }

    @Test
    void anotherOrganisationsMemberAndAnyoneWithoutASessionGetNothingOfTheStreams() throws Exception {
        String job = submit(adaToken, "echo the secret output of the lab");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(job).equals("succeeded"));
        String bob = console.signIn("", bobToken);
        for (String path : List.of("/console/orgs/lab/jobs/" + job + "/log/events?from=0",
                "/console/orgs/lab/jobs/" + job + "/events", "/console/jobs/events?org=lab",
                "/console/orgs/lab/jobs/job_doesnotexist/log/events", "/console/orgs/rivals/jobs/" + job
                        + "/log/events")) {
            HttpResponse<String> answer = console.get(path, bob);
            assertThat(answer.statusCode()).as(path).isEqualTo(404);
            assertThat(answer.body()).as(path).doesNotContain("secret output").doesNotContain("event:");
            HttpResponse<String> anonymous = console.get(path, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).doesNotContain("secret output");
        }
    }

    @Test
    void revokingTheSessionOrLeavingTheOrganisationEndsAnOpenStreamAndStreamsAreBoundedPerSession() throws Exception {
        String job = submit(adaToken, "echo started; sleep 120");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(job).equals("running"));
        String path = "/console/orgs/lab/jobs/" + job + "/log/events?from=0";

        // Revoked from another browser: the open stream closes within a tick or two.
        String first = console.signIn("ada", adaToken);
        String second = console.signIn("ada", adaToken);
        try (InputStream stream = open(path, first)) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
            assertThat(readEvent(lines)).isEqualTo(new Event("log", "started\n", "8"));
            String sessions = console.get("/console/settings/sessions", second).body();
            String firstRow = java.util.Arrays.stream(sessions.split("<tr>")).filter(row -> row.contains("/revoke")
                    && !row.contains("this browser")).findFirst().orElseThrow();
            java.util.regex.Matcher revoke = java.util.regex.Pattern.compile(
                    "action=\"(/console/settings/sessions/[^\"]+/revoke)\"").matcher(firstRow);
            assertThat(revoke.find()).isTrue();
            assertThat(console.post(revoke.group(1), second, Map.of("csrf", ConsoleClient.csrf(sessions)), null)
                    .statusCode()).isEqualTo(303);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(readEvent(lines)).isNull());
        }

        // A member who leaves the organisation stops seeing its output at once.
        String cyToken = server.tokenFor("cy", "read", "write");
        String cy = console.signIn("cy", cyToken);
        try (InputStream stream = open(path, cy)) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
            assertThat(readEvent(lines)).isEqualTo(new Event("log", "started\n", "8"));
            server.request("DELETE", "/api/v1/orgs/lab/members/cy").token(server.operatorToken()).expect(204);
            Event after = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> readEvent(lines));
            assertThat(after).isIn(null, new Event("end", "", null));
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(readEvent(lines)).isNull());
        }

        // At most eight open streams per session: the ninth is refused with words, not left hanging.
        List<InputStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                open.add(open(path, second));
            }
            HttpResponse<String> ninth = console.get(path, second);
            assertThat(ninth.statusCode()).isEqualTo(429);
            assertThat(ninth.body()).contains("too many live streams");
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
        }
        server.post("/api/v1/orgs/lab/jobs/" + job + "/cancel").token(adaToken).expect(200);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private String submit(String token, String script) {
        return server.post("/api/v1/orgs/lab/jobs").token(token).json(Map.of("name", server.unique("live"),
                "command", List.of("bash", "-c", script))).expect(201).path("id").asText();
    }

    private String state(String job) {
        return server.get("/api/v1/orgs/lab/jobs/" + job).token(adaToken).expect(200).path("state").asText();
    }

    private InputStream open(String path, String session) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.url().resolve(path))
                .header("Cookie", "incubator_session=" + session).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return response.body();
    }

    /** Every event of a stream that ends on its own ("end"), as an EventSource would dispatch them. */
    private List<Event> events(String path, String session, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.url().resolve(path))
                .header("Cookie", "incubator_session=" + session).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        List<Event> events = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            for (Event event = readEvent(lines); event != null; event = readEvent(lines)) {
                events.add(event);
                if (event.name().equals("end")) {
                    break;
                }
            }
        }
        return events;
    }

    private static String firstEventContaining(InputStream stream, String name, String text) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        for (Event event = readEvent(lines); event != null; event = readEvent(lines)) {
            if (event.name().equals(name) && event.data().contains(text) && event.data().contains("succeeded")) {
                return event.data();
            }
        }
        throw new AssertionError("the stream ended without a " + name + " event with " + text);
    }

    /** The next event (comments and the retry field skipped), or null at the end of the stream. */
    private static Event readEvent(BufferedReader lines) throws java.io.IOException {
        String name = "message";
        StringBuilder data = null;
        String id = null;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(name, data.toString(), id);
                }
                continue;
            }
            if (line.startsWith(":") || line.startsWith("retry:")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1).startsWith(" ") ? line.substring(colon + 2)
                    : line.substring(colon + 1);
            switch (field) {
                case "event" -> name = value;
                case "id" -> id = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
        return null;
    }
}
