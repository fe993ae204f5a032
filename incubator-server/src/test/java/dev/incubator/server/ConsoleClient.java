package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The console as a form-posting browser without JavaScript sees it: sign-in into a session cookie, pages, forms. */
final class ConsoleClient {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final TestServer server;

    ConsoleClient(TestServer server) {
        this.server = server;
    }

    /** Signs in with a token through the sign-in form and returns the session cookie's value. */
    String signIn(String user, String token) throws Exception {
        HttpResponse<String> page = get("/console/sign-in", null);
        HttpResponse<String> signed = post("/console/sign-in", null, Map.of("csrf", csrf(page.body()), "user", user,
                "token", token), "incubator_sign_in=" + cookie(page, "incubator_sign_in"));
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(303);
        String setCookie = signed.headers().allValues("Set-Cookie").stream().filter(value -> value.startsWith(
                "incubator_session=")).findFirst().orElseThrow();
        assertThat(setCookie).contains("HttpOnly", "SameSite=Strict", "Path=/console").doesNotContain("Secure");
        return cookie(signed, "incubator_session");
    }

    HttpResponse<String> get(String path, String session) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.url().resolve(path));
        if (session != null) {
            request.header("Cookie", "incubator_session=" + session);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String session, Map<String, String> form, String cookies)
            throws Exception {
        StringBuilder body = new StringBuilder();
        new LinkedHashMap<>(form).forEach((key, value) -> body.append(body.isEmpty() ? "" : "&").append(key)
                .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        String cookie = (session == null ? "" : "incubator_session=" + session) + (cookies == null ? ""
                : (session == null ? "" : "; ") + cookies);
        // A browser names the page the form was on; here, as for the template form, the same path.
        HttpRequest.Builder request = HttpRequest.newBuilder(server.url().resolve(path)).header("Content-Type",
                "application/x-www-form-urlencoded").header("Referer", server.url().resolve(path).toString())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (!cookie.isEmpty()) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a request the test built itself (its own headers), without following redirects. */
    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static String csrf(String html) {
        Matcher matcher = CSRF.matcher(html);
        assertThat(matcher.find()).as(html).isTrue();
        return matcher.group(1);
    }

    static String cookie(HttpResponse<String> response, String name) {
        return response.headers().allValues("Set-Cookie").stream().filter(value -> value.startsWith(name + "="))
                .map(value -> value.substring(name.length() + 1, value.indexOf(';') < 0 ? value.length()
                        : value.indexOf(';'))).findFirst().orElseThrow(() -> new AssertionError("no cookie " + name
                        + " in " + response.headers().allValues("Set-Cookie")));
    }
}
