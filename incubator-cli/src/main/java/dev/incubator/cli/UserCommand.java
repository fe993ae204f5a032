package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import dev.incubator.cli.Output.Column;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage users (operator).",
        subcommands = {UserCommand.Create.class, UserCommand.ListUsers.class, UserCommand.Show.class,
                UserCommand.Disable.class})
final class UserCommand {
    static final List<Column> COLUMNS = List.of(field("name", "name"), field("display name", "display_name"),
            field("email", "email"), field("platform roles", "platform_roles"), field("id", "id"));

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a user.")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", description = "Handle, e.g. ada")
        String name;

        @Option(names = "--display-name", description = "Full name (default: the handle)")
        String displayName;

        @Option(names = "--email", required = true, description = "E-mail address")
        String email;

        @Option(names = "--platform-role", description = "operator, reviewer or auditor (repeatable)")
        List<String> platformRoles = new ArrayList<>();

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("display_name", displayName == null ? name : displayName);
            body.put("email", email);
            body.put("platform_roles", platformRoles);
            print(client().post("/api/v1/users", body), COLUMNS);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class ListUsers extends ClientCommand {
        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/users", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a user (yourself, or anyone for operators and auditors) and their organisations.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", description = "User name")
        String name;

        @Override
        public Integer call() {
            print(client().get("/api/v1/users/" + segment(name)), List.of(field("name", "name"),
                    field("display name", "display_name"), field("email", "email"),
                    field("platform roles", "platform_roles"), field("id", "id"), field("created", "created_at"),
                    field("disabled", "disabled_at")));
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = {"Disable a user (operator): their tokens and their jobs' credentials stop working at once;"
                    + " memberships, jobs and history stay.", "", "Example:",
                    "  incubator user disable bob --reason \"left the lab\""})
    static final class Disable extends ClientCommand {
        @Parameters(index = "0", description = "User name")
        String name;

        @Option(names = "--reason", required = true, description = "Why (kept in the audit log)")
        String reason;

        @Override
        public Integer call() {
            print(client().post("/api/v1/users/" + segment(name) + "/disable", Map.of("reason", reason)), List.of(
                    field("name", "name"), field("disabled", "disabled_at")));
            return 0;
        }
    }
}
