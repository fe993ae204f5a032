package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import dev.incubator.cli.Output.Column;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "member", mixinStandardHelpOptions = true, description = "Manage the members of an organisation.",
        subcommands = {MemberCommand.Add.class, MemberCommand.Remove.class, MemberCommand.ListMembers.class,
                MemberCommand.SetRole.class})
final class MemberCommand {
    static final List<Column> COLUMNS = List.of(field("user", "user"), field("role", "role"),
            field("since", "created_at"));

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user to an organisation.")
    static final class Add extends ClientCommand {
        @Parameters(index = "0", description = "Organisation")
        String org;

        @Parameters(index = "1", description = "User name")
        String user;

        @Option(names = "--role", defaultValue = "member", description = "viewer, member, steward (a member who "
                + "decides access to gated data), admin or owner (default member)")
        String role;

        @Override
        public Integer call() {
            print(client().post("/api/v1/orgs/" + segment(org) + "/members", Map.of("user", user, "role", role)), COLUMNS);
            return 0;
        }
    }

    @Command(name = "set-role", mixinStandardHelpOptions = true,
            description = {"Change a member's role.", "", "Example:", "  incubator member set-role deep-lab bob --role admin"})
    static final class SetRole extends ClientCommand {
        @Parameters(index = "0", description = "Organisation")
        String org;

        @Parameters(index = "1", description = "User name")
        String user;

        @Option(names = "--role", required = true, description = "viewer, member, steward, admin or owner")
        String role;

        @Override
        public Integer call() {
            print(client().patch("/api/v1/orgs/" + segment(org) + "/members/" + segment(user), Map.of("role", role)),
                    COLUMNS);
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user from an organisation.")
    static final class Remove extends ClientCommand {
        @Parameters(index = "0", description = "Organisation")
        String org;

        @Parameters(index = "1", description = "User name")
        String user;

        @Override
        public Integer call() {
            client().delete("/api/v1/orgs/" + segment(org) + "/members/" + segment(user));
            if (output == Output.Format.json) {
                Output.json(out(), new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                        .put("removed", user).put("organisation", org));
            } else {
                out().println("Removed " + user + " from " + org);
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an organisation's members.")
    static final class ListMembers extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = "Organisation (default: the profile's, see login --org)")
        String org;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/members", page, COLUMNS);
            return 0;
        }
    }
}
