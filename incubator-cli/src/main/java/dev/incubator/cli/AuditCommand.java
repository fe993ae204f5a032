package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read the audit log.",
        subcommands = {AuditCommand.Events.class})
final class AuditCommand {
    @Command(name = "events", mixinStandardHelpOptions = true,
            description = "List audit events: all (operator, auditor) or one organisation's (--org, its admins too).")
    static final class Events extends ClientCommand {
        @Option(names = "--org", description = "Only this organisation's events")
        String org;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            String path = org == null ? "/api/v1/audit-events" : "/api/v1/orgs/" + segment(org) + "/audit-events";
            printList(path, page, List.of(field("#", "sequence"), field("time", "time"), field("actor", "actor"),
                    field("action", "action"), field("target", "target_id"), field("outcome", "outcome"),
                    field("request", "request_id")));
            return 0;
        }
    }
}
