package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.cli.Output.Column;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "grant", mixinStandardHelpOptions = true, description = "Compute grants and their burn-down.",
        subcommands = {GrantCommand.Award.class, GrantCommand.ListGrants.class, GrantCommand.Show.class,
                GrantCommand.Adjust.class})
final class GrantCommand {
    static final List<Column> COLUMNS = List.of(field("id", "id"), field("programme", "programme"),
            field("state", "state"), field("balance", "balance_gpu_hours"), field("used %", "used_percent"),
            field("guaranteed", "guaranteed_gpus"), field("ends", "ends_on"));

    static final List<Column> DETAIL = List.of(field("id", "id"), field("programme", "programme"),
            field("state", "state"),
            new Column("period", node -> node.path("starts_on").asText() + " .. " + node.path("ends_on").asText()),
            field("guaranteed GPUs", "guaranteed_gpus"), field("awarded GPU-h", "awarded_gpu_hours"),
            field("adjustments GPU-h", "adjustment_gpu_hours"), field("used GPU-h", "used_gpu_hours"),
            field("expired GPU-h", "expired_gpu_hours"), field("balance GPU-h", "balance_gpu_hours"),
            field("by GPU type", "balance_by_gpu_type"),
            new Column("used", node -> node.path("used_percent").asText() + "%  " + bar(node.path("used_percent").asDouble())),
            field("burn rate GPU-h/day", "burn_rate_gpu_hours_per_day"),
            new Column("exhaustion", node -> !node.path("projected_exhaustion").isNull()
                    ? node.path("projected_exhaustion").asText()
                    : !node.path("state").asText().equals("active") ? "-"
                    : node.path("burn_rate_gpu_hours_per_day").asDouble() > 0
                    ? "not before the grant ends on " + node.path("ends_on").asText() + " (at this burn rate the"
                            + " balance outlasts it)"
                    : "not projected (no usage in the last 7 days)"),
            field("thresholds crossed", "thresholds_crossed"), field("version", "version"));

    @Command(name = "award", mixinStandardHelpOptions = true, description = "Award a compute grant (operator).")
    static final class Award extends ClientCommand {
        @Parameters(index = "0", description = "Organisation")
        String org;

        @Option(names = "--programme", required = true, description = "Funding programme")
        String programme;

        @Option(names = "--gpu-hours", required = true,
                description = "GPU-hours per GPU type as TYPE=HOURS, 'any' for any type (repeatable), e.g. any=5000")
        Map<String, BigDecimal> gpuHours = new LinkedHashMap<>();

        @Option(names = "--starts-on", description = "First day (default today)")
        LocalDate startsOn;

        @Option(names = "--ends-on", required = true, description = "Last day, e.g. 2026-12-31")
        LocalDate endsOn;

        @Option(names = "--guaranteed-gpus", defaultValue = "0", description = "GPUs guaranteed while active (default 0)")
        int guaranteedGpus;

        @Option(names = "--note", description = "Note recorded on the ledger")
        String note;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("programme", programme);
            body.put("gpu_hours", gpuHours);
            body.put("starts_on", (startsOn == null ? LocalDate.now() : startsOn).toString());
            body.put("ends_on", endsOn.toString());
            body.put("guaranteed_gpus", guaranteedGpus);
            if (note != null) {
                body.put("note", note);
            }
            JsonNode awarded = client().post("/api/v1/orgs/" + segment(org) + "/grants", body);
            warnings(awarded);
            print(awarded, DETAIL);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an organisation's grants.")
    static final class ListGrants extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = "Organisation (default: the profile's, see login --org)")
        String org;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/grants", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a grant with its burn-down and its latest ledger entries.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", description = "Organisation")
        String org;

        @Parameters(index = "1", description = "Grant id (grt_...)")
        String grant;

        @Option(names = "--entries", defaultValue = "20", description = "Ledger entries to show (default 20)")
        int entries;

        @Override
        public Integer call() {
            ApiClient client = client();
            String path = "/api/v1/orgs/" + segment(org) + "/grants/" + segment(grant);
            JsonNode status = client.get(path);
            JsonNode ledger = client.get(path + "/ledger", Map.of("limit", Integer.toString(Math.max(1, Math.min(entries, 500)))));
            if (output == Output.Format.json) {
                ObjectNode combined = ((ObjectNode) status.deepCopy());
                combined.set("ledger", ledger.path("items"));
                Output.json(out(), combined);
                return 0;
            }
            warnings(status);
            print(status, DETAIL);
            out().println();
            out().println("Ledger:");
            Output.printList(out(), output, ledger, List.of(field("#", "sequence"), field("kind", "kind"),
                    field("gpu type", "gpu_type"), field("GPU-h", "gpu_hours"), field("when", "occurred_at"),
                    field("reference", "reference"), field("note", "note"), field("by", "actor")));
            return 0;
        }
    }

    static String bar(double percent) {
        int filled = (int) Math.round(Math.max(0, Math.min(100, percent)) / 5);
        return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
    }

    @Command(name = "adjust", mixinStandardHelpOptions = true,
            description = {"Add (or, negative, remove) GPU-hours of a grant with a note; an entry of the grant's"
                    + " append-only ledger (operator).", "", "Example:",
                    "  incubator grant adjust deep-lab grt_... --gpu-hours a100-80g=500 --note \"GPU Day bonus\""})
    static final class Adjust extends ClientCommand {
        @Parameters(index = "0", description = "Organisation")
        String org;

        @Parameters(index = "1", description = "Grant id (grt_...)")
        String grant;

        @Option(names = "--gpu-hours", required = true, paramLabel = "TYPE=HOURS",
                description = "GPU type (or 'any') and signed GPU-hours, e.g. any=250 or a100-80g=-40")
        String hours;

        @Option(names = "--note", required = true, description = "Why: it stays in the ledger")
        String note;

        @Override
        public Integer call() {
            int equals = hours.indexOf('=');
            java.math.BigDecimal amount;
            try {
                amount = new java.math.BigDecimal(hours.substring(equals + 1));
            } catch (RuntimeException e) {
                throw new CliException("--gpu-hours: write TYPE=HOURS such as any=250 or a100-80g=-40, not '" + hours
                        + "'");
            }
            if (equals < 1) {
                throw new CliException("--gpu-hours: write TYPE=HOURS such as any=250 or a100-80g=-40, not '" + hours
                        + "'");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("gpu_type", hours.substring(0, equals));
            body.put("gpu_hours", amount);
            body.put("note", note);
            print(client().post("/api/v1/orgs/" + segment(org) + "/grants/" + segment(grant) + "/adjustments", body),
                    DETAIL);
            return 0;
        }
    }
}
