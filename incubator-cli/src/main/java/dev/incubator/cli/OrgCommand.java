package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import dev.incubator.cli.Output.Column;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "org", mixinStandardHelpOptions = true, description = "Manage organisations.",
        subcommands = {OrgCommand.Create.class, OrgCommand.ListOrgs.class, OrgCommand.Show.class,
                OrgCommand.Update.class})
final class OrgCommand {
    static final List<Column> COLUMNS = List.of(field("name", "name"), field("display name", "display_name"),
            field("kind", "kind"), field("id", "id"), field("created", "created_at"));

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an organisation (operator).")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", description = "Handle, e.g. deep-lab")
        String name;

        @Option(names = "--display-name", description = "Human-readable name (default: the handle)")
        String displayName;

        @Option(names = "--kind", required = true, description = "startup, university, lab, enterprise or operator")
        String kind;

        @Option(names = "--owner", description = "Existing user who becomes the owner")
        String owner;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("display_name", displayName == null ? name : displayName);
            body.put("kind", kind);
            if (owner != null) {
                body.put("owner", owner);
            }
            print(client().post("/api/v1/orgs", body), COLUMNS);
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change an organisation's display name or default job time limit (admin).")
    static final class Update extends ClientCommand {
        @Parameters(index = "0", description = "Organisation handle")
        String name;

        @Option(names = "--display-name", description = "New display name")
        String displayName;

        @Option(names = "--default-time-limit", description = "Minutes for jobs that state no time limit")
        Integer defaultTimeLimit;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (displayName != null) {
                body.put("display_name", displayName);
            }
            if (defaultTimeLimit != null) {
                body.put("default_job_time_limit_minutes", defaultTimeLimit);
            }
            print(client().patch("/api/v1/orgs/" + segment(name), body), COLUMNS);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the organisations you can see.")
    static final class ListOrgs extends ClientCommand {
        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/orgs", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one organisation.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", description = "Organisation handle")
        String name;

        @Override
        public Integer call() {
            print(client().get("/api/v1/orgs/" + segment(name)), List.of(field("name", "name"),
                    field("display name", "display_name"), field("kind", "kind"), field("id", "id"),
                    field("default job time limit (min)", "default_job_time_limit_minutes"),
                    field("created", "created_at"), field("version", "version")));
            return 0;
        }
    }
}
