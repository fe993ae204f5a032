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
                OrgCommand.Update.class, OrgCommand.Quota.class})
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
            var organisation = (com.fasterxml.jackson.databind.node.ObjectNode) client().get("/api/v1/orgs/"
                    + segment(name));
            organisation.set("storage", client().get("/api/v1/orgs/" + segment(name) + "/storage"));
            print(organisation, List.of(field("name", "name"),
                    field("display name", "display_name"), field("kind", "kind"), field("id", "id"),
                    field("default job time limit (min)", "default_job_time_limit_minutes"),
                    new Column("hub storage", node -> Quota.describe(node.path("storage"))),
                    field("created", "created_at"), field("version", "version")));
            return 0;
        }
    }

    @Command(name = "quota", mixinStandardHelpOptions = true,
            description = {"Show what an organisation stores in the hub (after deduplication) against its quota, or"
                    + " set the quota (operator).", "",
                    "Examples:", "  incubator org quota deep-lab", "  incubator org quota deep-lab --set 500GiB",
                    "  incubator org quota deep-lab --set default"})
    static final class Quota extends ClientCommand {
        @Parameters(index = "0", description = "Organisation handle")
        String name;

        @Option(names = "--set", paramLabel = "SIZE", description = "New quota: 500GiB, 2TB, a number of bytes, or"
                + " 'unlimited', or 'default' for the platform's (hub.quota.organisation)")
        String quota;

        @Override
        public Integer call() {
            String path = "/api/v1/orgs/" + segment(name) + "/storage";
            if (quota != null && !quota.equals("default") && !quota.equals("unlimited")
                    && dev.incubator.common.ByteSize.parse(quota).isEmpty()) {
                throw new CliException("--set: '" + quota + "' is not a size; write it like 500GiB, 2TB or 1073741824,"
                        + " 'unlimited' or 'default'");
            }
            print(quota == null ? client().get(path) : client().put(path, Map.of("quota", quota)), List.of(
                    field("organisation", "organisation"), field("used", "used"), field("quota", "quota"),
                    new Column("used %", node -> Output.text(node.path("used_percent")) + " %"),
                    field("quota from", "quota_source")));
            return 0;
        }

        static String describe(com.fasterxml.jackson.databind.JsonNode storage) {
            if (storage.isMissingNode() || storage.isNull()) {
                return "-";
            }
            return storage.path("used").asText() + " of " + storage.path("quota").asText() + " ("
                    + storage.path("used_percent").asText() + " %, " + (storage.path("quota_source").asText()
                    .equals("organisation") ? "set for it" : "default quota") + ")";
        }
    }
}
