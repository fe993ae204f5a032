package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "login", mixinStandardHelpOptions = true,
        description = "Check a token against a server and remember both (file readable only by you).")
final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, description = "Server URL, e.g. http://127.0.0.1:8420")
    String url;

    @Option(names = "--token-file", required = true, description = "File holding the API token "
            + "(e.g. <data-dir>/bootstrap-token); '-' reads standard input")
    String tokenFile;

    @Option(names = {"-o", "--output"}, description = "Output format: ${COMPLETION-CANDIDATES} (default: table)",
            defaultValue = "table")
    Output.Format output;

    @Option(names = "--profile", paramLabel = "NAME", description = "Save these credentials as profile NAME (default:"
            + " 'default'); it becomes the current one, the others are kept. Commands take --profile NAME to use"
            + " another.")
    String profile = Credentials.DEFAULT_PROFILE;

    @Option(names = "--org", paramLabel = "ORG", description = "Default organisation of this profile, for the"
            + " commands that act on one (job submit and list, grant list, member list, usage) when none is named")
    String org;

    @Override
    public Integer call() {
        String token = readToken().strip();
        if (token.isEmpty()) {
            throw new CliException("the token file is empty");
        }
        Credentials credentials = new Credentials(Credentials.parseUrl(url), Optional.of(token),
                Optional.ofNullable(org));
        ApiClient client = new ApiClient(credentials.url(), credentials.token());
        JsonNode whoami = client.get("/api/v1/whoami");
        if (org != null) {
            // Fails with the server's own 404 when the organisation does not exist or is not visible.
            client.get("/api/v1/orgs/" + ApiClient.segment(org));
        }
        Path file = Credentials.file(IncubatorCommand.environment());
        if (!profile.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new CliException("--profile: '" + profile + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        credentials.save(file, profile);
        if (output == Output.Format.json) {
            com.fasterxml.jackson.databind.node.ObjectNode result = com.fasterxml.jackson.databind.node.JsonNodeFactory
                    .instance.objectNode();
            result.put("url", credentials.url().toString());
            result.put("user", whoami.path("user").path("name").asText());
            result.put("credentials_file", file.toString());
            result.put("profile", profile);
            if (org != null) {
                result.put("organisation", org);
            }
            Output.json(spec.commandLine().getOut(), result);
            return 0;
        }
        spec.commandLine().getOut().println("Logged in to " + credentials.url() + " as "
                + whoami.path("user").path("name").asText() + "; credentials saved in " + file
                + (profile.equals(Credentials.DEFAULT_PROFILE) ? "" : " as profile '" + profile + "' (now current)")
                + (org == null ? "" : "; default organisation " + org));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private String readToken() {
        try {
            return tokenFile.equals("-") ? new String(IncubatorCommand.stdin().readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("could not read the token from " + tokenFile + ": " + e.getMessage());
        }
    }
}
