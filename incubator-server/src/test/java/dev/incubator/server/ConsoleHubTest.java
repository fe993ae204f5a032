package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub's pages beyond the file list: a README rendered as Markdown without letting it run anything, and a commit's
 * page with what it changed, line by line for text files, by size for binary ones, and by name only where the
 * caller may see the card but not the content.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleHubTest {
    private static final String README = """
            ---
            license: mit
            ---
            # 小模型 Tiny

            A **bilingual** model. See [the config](config.json), [the site](https://example.org/tiny) and
            [the weights](../../secret/weights.bin).

            | split | examples |
            |---|---:|
            | train | 1000 |

            <script>alert('readme')</script>
            [click](javascript:alert(1)) ![pixel](javascript:alert(2)) <img src=x onerror=alert(3)>

            ```python
            print("你好")
            ```
            """;

    private TestServer server;
    private ConsoleClient console;
    private String adaToken;
    private String bobToken;
    private String first;
    private String second;

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
        adaToken = server.tokenFor("ada", "read", "write");
        bobToken = server.tokenFor("bob", "read", "write");
        repo("model", "tiny", "public");
        first = server.commit(adaToken, "models/lab/tiny", Map.of("README.md", README, "config.json",
                "{\n  \"dim\": 64,\n  \"layers\": 2\n}\n", "notes.txt", "old notes\n")).expect(200).path("commitOid")
                .asText();
        String weights = java.util.Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, 3, 0, 5});
        second = server.post("/api/models/lab/tiny/commit/main").token(adaToken).raw("application/x-ndjson",
                line("header", Map.of("summary", "wider model", "description", "dim 64 to 128")) + line("file",
                        Map.of("path", "config.json", "encoding", "base64", "content", java.util.Base64.getEncoder()
                                .encodeToString("{\n  \"dim\": 128,\n  \"layers\": 2\n}\n".getBytes())))
                        + line("file", Map.of("path", "weights.bin", "encoding", "base64", "content", weights))
                        + line("deletedFile", Map.of("path", "notes.txt"))).expect(200).path("commitOid").asText();
        repo("dataset", "notes", "gated");
        server.commit(adaToken, "datasets/lab/notes", Map.of("notes.txt", "patient 17: chest pain\n")).expect(200);
        server.commit(adaToken, "datasets/lab/notes", Map.of("notes.txt", "patient 18: headache\n")).expect(200);
        repo("model", "secret", "private");
        server.commit(adaToken, "models/lab/secret", Map.of("plan.txt", "the secret plan\n", "README.md",
                "---\nrestrictions: [compute-only]\n---\nInternal.\n")).expect(200);
        repo("dataset", "corpus", "public");
        server.commit(adaToken, "datasets/lab/corpus", Map.of("README.md", "---\nlicense: cc-by-nc-4.0\n---\n"))
                .expect(200);
        repo("model", "derived", "organisation"); // not public: what it inherits forbids publishing it
        server.commit(adaToken, "models/lab/derived", Map.of("README.md", "---\nlicense: apache-2.0\nbase_model:"
                + " lab/secret\ndatasets: [lab/corpus, lab/notes]\n---\nA model trained on the lab's data.\n"))
                .expect(200);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aReadmeIsRenderedAsMarkdownAndNothingInItRuns() throws Exception {
        String ada = console.signIn("ada", adaToken);
        String page = console.get("/console/hub/models/lab/tiny?revision=" + first, ada).body();
        String readme = page.substring(page.indexOf("<article class=\"readme\">"), page.indexOf("</article>"));
        assertThat(readme).contains("<h1>小模型 Tiny</h1>", "<strong>bilingual</strong>", "<table>",
                "<td align=\"right\">1000</td>", "<code class=\"language-python\">print(&quot;你好&quot;)")
                .doesNotContain("license: mit");
        // A relative link names the repository's file at this commit; one that climbs out of it is dropped.
        assertThat(readme).contains("href=\"/console/hub/models/lab/tiny/download/" + first + "/config.json\"",
                "rel=\"nofollow noopener noreferrer\" href=\"https://example.org/tiny\"")
                .doesNotContain("secret/weights.bin");
        // Written HTML is shown as text; script addresses are emptied.
        assertThat(readme).contains("&lt;script&gt;alert('readme')&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;")
                .doesNotContain("<script", "<img src=\"x\"", "javascript:");
    }

    @Test
    void aCommitsPageShowsWhatItChangedLineByLineForTextAndBySizeForBinaryFiles() throws Exception {
        String ada = console.signIn("ada", adaToken);
        String repo = console.get("/console/hub/models/lab/tiny", ada).body();
        assertThat(repo).contains("href=\"/console/hub/models/lab/tiny/commits/" + second + "\"");

        HttpResponse<String> answer = console.get("/console/hub/models/lab/tiny/commits/" + second, ada);
        assertThat(answer.statusCode()).isEqualTo(200);
        String page = answer.body();
        assertThat(page).contains("wider model", "dim 64 to 128", "ada", second,
                "href=\"/console/hub/models/lab/tiny/commits/" + first + "\"");
        assertThat(section(page, "config.json")).contains("modified", "<span class=\"hunk\">@@ -1,4 +1,4 @@</span>",
                "<span class=\"del\">-  &quot;dim&quot;: 64,</span>", "<span class=\"add\">+  &quot;dim&quot;: 128,</span>",
                "<span class=\"same\">   &quot;layers&quot;: 2</span>");
        assertThat(section(page, "weights.bin")).contains("added", "6 B", "Binary or larger than 256 KiB")
                .doesNotContain("class=\"diff\"");
        assertThat(section(page, "notes.txt")).contains("removed", "<span class=\"del\">-old notes</span>");

        // A short id names a commit too; the commit that created the repository has no parent.
        String firstPage = console.get("/console/hub/models/lab/tiny/commits/" + first.substring(0, 12), ada).body();
        assertThat(firstPage).contains("<span class=\"add\">+old notes</span>", "<span class=\"add\">+# 小模型 Tiny</span>");
        Matcher parent = Pattern.compile("<dt>Parent</dt><dd><a href=\"([^\"]+)\"").matcher(firstPage);
        assertThat(parent.find()).isTrue();
        assertThat(console.get(parent.group(1), ada).body()).contains("none (the first commit)");
        // In Chinese the page says it in Chinese.
        HttpResponse<String> chinese = console.send(java.net.http.HttpRequest.newBuilder(server.url().resolve(
                "/console/hub/models/lab/tiny/commits/" + second)).header("Cookie", "incubator_session=" + ada)
                .header("Accept-Language", "zh-CN,zh;q=0.9").build());
        assertThat(chinese.body()).contains("变更内容", "二进制文件或大于 256 KiB");
    }

    @Test
    void aGatedCommitShowsNamesAndSizesOnlyAndAPrivateOneIsNotFoundAndBadIdsAreRefusedWithWords() throws Exception {
        String bob = console.signIn("", bobToken);
        String notes = console.get("/console/hub/datasets/lab/notes", bob).body();
        Matcher commit = Pattern.compile("href=\"(/console/hub/datasets/lab/notes/commits/[0-9a-f]{40})\"")
                .matcher(notes);
        assertThat(commit.find()).isTrue();
        HttpResponse<String> gated = console.get(commit.group(1), bob);
        assertThat(gated.statusCode()).isEqualTo(200);
        assertThat(gated.body()).contains("notes.txt", "only names and sizes are shown")
                .doesNotContain("patient", "chest pain", "headache", "class=\"diff\"");

        String secret = server.get("/api/models/lab/secret/revision/main").token(adaToken).expect(200).path("sha")
                .asText();
        for (String path : List.of("/console/hub/models/lab/secret/commits/" + secret,
                "/console/hub/models/lab/tiny/commits/" + "0".repeat(40))) {
            HttpResponse<String> hidden = console.get(path, bob);
            assertThat(hidden.statusCode()).as(path).isEqualTo(404);
            assertThat(hidden.body()).doesNotContain("secret plan", "plan.txt");
        }
        for (String bad : List.of("zzzz", "abc", "%3Cscript%3E", "..%2F..%2Fetc")) {
            HttpResponse<String> refused = console.get("/console/hub/models/lab/tiny/commits/" + bad, bob);
            assertThat(refused.statusCode()).as(bad).isIn(400, 404);
            assertThat(refused.body()).as(bad).doesNotContain("<script>");
            if (refused.statusCode() == 400) {
                assertThat(refused.body()).contains("7 to 64 hexadecimal digits");
            }
        }
    }

    @Test
    void aRepositoryShowsTheRestrictionsItInheritsAndThePathEachCameAlong() throws Exception {
        String ada = console.signIn("ada", adaToken);
        String mine = lineage(console.get("/console/hub/models/lab/derived", ada).body());
        assertThat(mine).contains("non-commercial", "licence cc-by-nc-4.0", "no redistribution",
                "gated: shared only under data-use agreements", "compute only", "declared in its card",
                "<a href=\"/console/hub/datasets/lab/corpus\">datasets/lab/corpus</a> → "
                        + "<a href=\"/console/hub/models/lab/derived\">models/lab/derived</a>");

        // A repository without upstream shows no such section; an outsider sees neither the repository nor its lineage.
        String bob = console.signIn("", bobToken);
        assertThat(console.get("/console/hub/models/lab/tiny", bob).body()).doesNotContain("Inherited restrictions");
        HttpResponse<String> hidden = console.get("/console/hub/models/lab/derived", bob);
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(hidden.body()).doesNotContain("compute only", "lab/secret");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String lineage(String page) {
        int start = page.indexOf("<section class=\"card\" aria-labelledby=\"lineage\">");
        assertThat(start).as(page).isNotNegative();
        return page.substring(start, page.indexOf("</section>", start));
    }


    private void repo(String kind, String name, String visibility) {
        server.post("/api/v1/repos").token(adaToken).json(Map.of("kind", kind, "namespace", "lab", "name", name,
                "visibility", visibility)).expect(201);
    }

    private static String line(String key, Map<String, String> value) {
        return TestServer.JSON.createObjectNode().put("key", key).set("value", TestServer.JSON.valueToTree(value))
                + "\n";
    }

    /** The page's section about one file. */
    private static String section(String page, String path) {
        int start = page.indexOf("<section aria-label=\"" + path + "\">");
        assertThat(start).as(path).isNotNegative();
        return page.substring(start, page.indexOf("</section>", start));
    }
}
