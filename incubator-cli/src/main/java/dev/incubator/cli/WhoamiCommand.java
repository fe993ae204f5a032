package dev.incubator.cli;


import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.cli.Output.Column;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "whoami", mixinStandardHelpOptions = true, description = "Show who the current token belongs to.")
final class WhoamiCommand extends ClientCommand {
    @Override
    public Integer call() {
        JsonNode whoami = client().get("/api/v1/whoami");
        print(whoami, List.of(
                new Column("user", node -> node.path("user").path("name").asText()),
                new Column("display name", node -> node.path("user").path("display_name").asText()),
                new Column("platform roles", node -> Output.text(node.path("user").path("platform_roles"))),
                new Column("token", node -> node.path("token").path("name").asText() + " ("
                        + node.path("token").path("id").asText() + ")"),
                new Column("scopes", node -> Output.text(node.path("scopes"))),
                new Column("expires", node -> Output.text(node.path("token").path("expires_at"))),
                new Column("organisations", node -> Output.text(node.path("memberships")))));
        return 0;
    }

}
