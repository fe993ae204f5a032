package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.cli.Output.Column;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Manage API tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class,
                TokenCommand.RotateBootstrap.class})
final class TokenCommand {
    static final List<Column> COLUMNS = List.of(field("id", "id"), field("name", "name"), field("scopes", "scopes"),
            field("expires", "expires_at"), field("revoked", "revoked_at"), field("last used", "last_used_at"));

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a token (for yourself, or with --user for another user as operator).",
                    "The secret is printed once and never stored by the server."})
    static final class Create extends ClientCommand {
        @Option(names = "--name", required = true, description = "What the token is for, e.g. laptop")
        String name;

        @Option(names = "--scope", description = "read, write or admin (repeatable; default read)")
        List<String> scopes = new ArrayList<>();

        @Option(names = "--expires-in-days", description = "Lifetime in days (default 90)")
        Integer expiresInDays;

        @Option(names = "--user", description = "Issue the token to this user (operator)")
        String user;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (!scopes.isEmpty()) {
                body.put("scopes", scopes);
            }
            if (expiresInDays != null) {
                body.put("expires_in_days", expiresInDays);
            }
            String path = user == null ? "/api/v1/tokens" : "/api/v1/users/" + segment(user) + "/tokens";
            JsonNode issued = client().post(path, body);
            print(issued, List.of(
                    new Column("user", node -> node.path("user").asText()),
                    new Column("id", node -> node.path("token").path("id").asText()),
                    new Column("name", node -> node.path("token").path("name").asText()),
                    new Column("scopes", node -> Output.text(node.path("token").path("scopes"))),
                    new Column("expires", node -> Output.text(node.path("token").path("expires_at"))),
                    new Column("secret", node -> node.path("secret").asText() + "   (shown once: store it now)")));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List your tokens, or a user's (--user; operators and auditors), never their secrets.")
    static final class ListTokens extends ClientCommand {
        @Option(names = "--user", description = "Another user's tokens")
        String user;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList(user == null ? "/api/v1/tokens" : "/api/v1/users/" + segment(user) + "/tokens", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token; it stops working at once.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", description = "Token id (tok_...)")
        String id;

        @Override
        public Integer call() {
            print(client().delete("/api/v1/tokens/" + segment(id)), COLUMNS);
            return 0;
        }
    }

    @Command(name = "rotate-bootstrap", mixinStandardHelpOptions = true,
            description = {"Revoke the operator's bootstrap token and write a new one to <data-dir>/bootstrap-token.",
                    "Run it where the service runs, with its settings: it works on the metadata store directly, so it",
                    "also works when the old token has expired. The new token expires after",
                    "tenancy.bootstrap-token-hours (default 72; 0 for never)."})
    static final class RotateBootstrap implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--data-dir", description = "Data directory (default ~/.incubator)")
        java.nio.file.Path dataDir;

        @Option(names = "--config", description = "YAML configuration file, as given to serve")
        java.nio.file.Path config;

        @Option(names = "--set", description = "Any setting as KEY=VALUE, as given to serve")
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() {
            java.util.Map<String, String> overrides = new java.util.LinkedHashMap<>(settings);
            if (dataDir != null) {
                overrides.put("data-dir", dataDir.toString());
            }
            dev.incubator.server.config.ServerConfig serverConfig;
            try {
                serverConfig = dev.incubator.server.config.ServerConfig.load(java.util.Optional.ofNullable(config),
                        IncubatorCommand.environment(), overrides);
                java.nio.file.Path file = dev.incubator.server.IncubatorServer.rotateBootstrapToken(serverConfig);
                spec.commandLine().getOut().println("a new bootstrap token is in " + file + " (mode 0600); the old"
                        + " one no longer works" + serverConfig.bootstrapTokenLifetime().map(lifetime -> "; it expires"
                        + " in " + lifetime.toHours() + " h").orElse(""));
                return 0;
            } catch (dev.incubator.common.IncubatorException e) {
                throw new CliException(e.getMessage());
            }
        }
    }
}
