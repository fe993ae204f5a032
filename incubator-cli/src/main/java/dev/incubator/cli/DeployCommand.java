package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.cli.Output.Column;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Serve hub models behind the OpenAI-compatible gateway (" + "/v1): deployments, their replicas"
                + " (jobs of the organisation) and their usage.",
                "Call one with any OpenAI client: base URL <server>/v1, your Incubator token as the API key, the",
                "model ORG/NAME."},
        subcommands = {DeployCommand.Create.class, DeployCommand.ListDeployments.class, DeployCommand.Show.class,
                DeployCommand.Scale.class, DeployCommand.Update.class, DeployCommand.Delete.class,
                DeployCommand.Usage.class, DeployCommand.Requests.class})
final class DeployCommand {
    static final List<Column> COLUMNS = List.of(field("model", "model"), new Column("revision", node ->
            node.path("revision").asText().substring(0, Math.min(12, node.path("revision").asText().length()))),
            field("engine", "engine"), new Column("replicas", node -> node.path("ready").asInt() + " ready / "
                    + node.path("min_replicas").asInt() + ".." + node.path("max_replicas").asInt()),
            field("gpus", "gpus"), field("access", "access"), field("in flight", "in_flight"));
    static final List<Column> REPLICAS = List.of(field("job", "job"), field("state", "state"),
            new Column("revision", node -> node.path("revision").asText().substring(0, 12)),
            new Column("cold start", node -> node.hasNonNull("cold_start_seconds")
                    ? String.format("%.1f s", node.path("cold_start_seconds").asDouble()) : ""),
            field("failures", "failures"), field("message", "message"));

    private DeployCommand() {
    }

    /** ORG/NAME as the API's path. */
    static String path(String model) {
        int slash = model.indexOf('/');
        if (slash <= 0 || slash == model.length() - 1 || slash != model.lastIndexOf('/')) {
            throw new CliException("'" + model + "' is not ORG/NAME, e.g. lab/tiny-chat");
        }
        return "/api/v1/orgs/" + segment(model.substring(0, slash)) + "/deployments/"
                + segment(model.substring(slash + 1));
    }

    private static String segment(String value) {
        return ApiClient.segment(value);
    }

    /** Limits and access, shared by create and update. */
    static final class Policy {
        @Option(names = "--access", description = "Who may call it: private (the organisation; default), shared"
                + " (also --share-with organisations) or public (every signed-in user)")
        String access;

        @Option(names = "--share-with", split = ",", paramLabel = "ORG", description = "Organisations that may call"
                + " it (with --access shared), e.g. uni,firm")
        List<String> shareWith = new ArrayList<>();

        @Option(names = "--rpm", paramLabel = "N", description = "Requests per minute per API key (0: no limit)")
        Integer requestsPerMinute;

        @Option(names = "--tpm", paramLabel = "N", description = "Tokens per minute per API key (0: no limit)")
        Integer tokensPerMinute;

        @Option(names = "--monthly-tokens", paramLabel = "N", description = "Tokens per calling organisation and"
                + " calendar month, UTC (0: no limit)")
        Integer monthlyTokens;

        void into(Map<String, Object> body) {
            if (access != null) {
                body.put("access", access);
            }
            if (!shareWith.isEmpty()) {
                body.put("shared_with", shareWith);
            }
            if (requestsPerMinute != null) {
                body.put("requests_per_minute", requestsPerMinute);
            }
            if (tokensPerMinute != null) {
                body.put("tokens_per_minute", tokensPerMinute);
            }
            if (monthlyTokens != null) {
                body.put("monthly_tokens", monthlyTokens);
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Deploy a hub model: replicas are jobs of the organisation (scheduled, metered to its"
                    + " grant).", "e.g. incubator deploy create lab/tiny-chat --model models/lab/tiny-zh --replicas"
                    + " 0..2 --gpus 0.25"})
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment; clients call it as this"
                + " model")
        String model;

        @Option(names = "--model", required = true, paramLabel = "REPO[@REV]", description = "The hub model, e.g."
                + " models/lab/tiny-zh or models/lab/tiny-zh@<commit> (default revision main, pinned)")
        String repository;

        @Option(names = "--replicas", paramLabel = "MIN..MAX", description = "e.g. 1..3, or 0..2 to start at zero"
                + " and scale to zero when idle (default 1)")
        String replicas;

        @Option(names = "--gpus", paramLabel = "N", description = "GPUs per replica, e.g. 0.25 (default 0)")
        String gpus;

        @Option(names = "--cpus", paramLabel = "N", description = "CPUs per replica (default 1)")
        Integer cpus;

        @Option(names = "--memory-mib", paramLabel = "MIB", description = "Memory per replica (default 2048)")
        Integer memoryMib;

        @Option(names = "--idle-seconds", paramLabel = "S", description = "Idle time before scaling to zero, with"
                + " a minimum of 0 replicas (default 600)")
        Integer idleSeconds;

        @Option(names = "--engine", description = "builtin (the platform's Java engine; default) or command (an"
                + " OpenAI-compatible server you name with --command)")
        String engine;

        @Option(names = "--command", arity = "1..*", paramLabel = "ARG", description = "The command engine's"
                + " server with {model_dir}, {port}, {host}, {api_key}, e.g. vllm serve {model_dir} --port {port}"
                + " --api-key {api_key}")
        List<String> command = new ArrayList<>();

        @Option(names = "--label", paramLabel = "TEXT", description = "An explicit AI label appended to every"
                + " answer (GB 45438-2025); 'default' for the platform's bilingual one")
        String label;

        @Option(names = "--log-content", description = "Keep prompts and answers with the request records")
        boolean logContent;

        @Option(names = "--retention-days", paramLabel = "N", description = "How long kept content stays"
                + " (default 30)")
        Integer retentionDays;

        @ArgGroup(exclusive = false)
        Policy policy = new Policy();

        @Override
        public Integer call() {
            String apiPath = path(model);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", model.substring(model.indexOf('/') + 1));
            body.put("model", repository);
            put(body, "replicas", replicas);
            if (gpus != null) {
                try {
                    body.put("gpus", new java.math.BigDecimal(gpus));
                } catch (NumberFormatException e) {
                    throw new CliException("--gpus: '" + gpus + "' is not a number, e.g. 0.25");
                }
            }
            put(body, "cpus", cpus);
            put(body, "memory_mib", memoryMib);
            put(body, "idle_seconds", idleSeconds);
            put(body, "engine", engine);
            if (!command.isEmpty()) {
                body.put("command", command);
            }
            put(body, "explicit_label", label);
            if (logContent) {
                body.put("log_content", true);
            }
            put(body, "retention_days", retentionDays);
            policy.into(body);
            JsonNode created = client().post(apiPath.substring(0, apiPath.lastIndexOf('/')), body);
            if (output == Output.Format.json) {
                Output.json(out(), created);
                return 0;
            }
            out().printf("deployed %s (%s@%s, %s engine, %d..%d replicas)%n", created.path("model").asText(),
                    created.path("repository").asText(), created.path("revision").asText().substring(0, 12),
                    created.path("engine").asText(), created.path("min_replicas").asInt(),
                    created.path("max_replicas").asInt());
            out().println(created.path("min_replicas").asInt() == 0 ? "it starts at zero: the first call starts a"
                    + " replica" : "its replicas are starting: 'incubator deploy show " + model + "'");
            out().flush();
            return 0;
        }

        private static void put(Map<String, Object> body, String field, Object value) {
            if (value != null) {
                body.put(field, value);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an organisation's deployments.")
    static final class ListDeployments extends ClientCommand {
        @Option(names = "--org", description = "Organisation (default: the profile's, see login --org)")
        String org;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/deployments", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a deployment and its replicas (state, cold start, failures).")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment")
        String model;

        @Override
        public Integer call() {
            JsonNode deployment = client().get(path(model));
            if (output == Output.Format.json) {
                Output.json(out(), deployment);
                return 0;
            }
            print(deployment, COLUMNS);
            out().println();
            JsonNode limits = deployment.path("limits");
            out().printf("limits per key: %s requests/min, %s tokens/min; per organisation: %s tokens/month%n",
                    none(limits.path("requests_per_minute")), none(limits.path("tokens_per_minute")),
                    none(limits.path("monthly_tokens")));
            if (deployment.path("shared_with").size() > 0) {
                out().println("shared with: " + Output.text(deployment.path("shared_with")));
            }
            out().println();
            Output.printList(out(), output, new ObjectMapper().createObjectNode().set("items",
                    deployment.path("replicas")), REPLICAS);
            out().flush();
            return 0;
        }

        private static String none(JsonNode value) {
            return value.asLong() == 0 ? "no limit" : value.asText();
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = {"Change a deployment's replicas: e.g. 2..4, or 0..1 to scale to zero when idle.",
                    "Replicas scaled down drain: requests in flight finish."})
    static final class Scale extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment")
        String model;

        @Option(names = "--replicas", required = true, paramLabel = "MIN..MAX", description = "e.g. 1..3 or 2")
        String replicas;

        @Override
        public Integer call() {
            JsonNode changed = client().patch(path(model), Map.of("replicas", replicas));
            print(changed, COLUMNS);
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Roll a deployment to another revision (one replica at a time), or change who may call it",
                    "and its limits."})
    static final class Update extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment")
        String model;

        @Option(names = "--model", paramLabel = "REPO@REV", description = "A revision of the same model, e.g."
                + " models/lab/tiny-zh@main")
        String revision;

        @ArgGroup(exclusive = false)
        Policy policy = new Policy();

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (revision != null) {
                body.put("model", revision);
            }
            policy.into(body);
            if (body.isEmpty()) {
                throw new CliException("nothing to change: give --model, --access, --share-with, --rpm, --tpm or"
                        + " --monthly-tokens");
            }
            print(client().patch(path(model), body), COLUMNS);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a deployment: its replicas drain and stop; its request records stay.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment")
        String model;

        @Override
        public Integer call() {
            client().delete(path(model));
            out().println("deleted " + model + "; its replicas are draining");
            out().flush();
            return 0;
        }
    }

    @Command(name = "usage", mixinStandardHelpOptions = true,
            description = {"A deployment's tokens by API key, model or calling organisation, with its replicas'",
                    "GPU-hours and energy, and kWh and CO2e per 1,000 tokens."})
    static final class Usage extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment")
        String model;

        @Option(names = "--since", description = "First day, e.g. 2026-11-01 (default: this month)")
        String since;

        @Option(names = "--by", description = "token (default), model or organisation")
        String by;

        @Override
        public Integer call() {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("since", since);
            query.put("group_by", by);
            JsonNode usage = client().get(path(model) + "/usage", query);
            if (output == Output.Format.json) {
                Output.json(out(), usage);
                return 0;
            }
            out().printf("%s since %s: %d requests, %d tokens; replicas %.3f GPU-hours, %.4f kWh, %.4f kg CO2e%n",
                    usage.path("model").asText(), usage.path("since").asText(), usage.path("requests").asLong(),
                    usage.path("total_tokens").asLong(), usage.path("gpu_hours").asDouble(),
                    usage.path("energy_kwh").asDouble(), usage.path("co2e_kg").asDouble());
            if (usage.hasNonNull("kwh_per1k_tokens")) {
                out().printf("per 1,000 tokens: %.5f kWh, %.2f g CO2e%n", usage.path("kwh_per1k_tokens").asDouble(),
                        usage.path("co2e_grams_per1k_tokens").asDouble());
            }
            out().println();
            Output.printList(out(), output, new ObjectMapper().createObjectNode().set("items", usage.path("groups")),
                    List.of(field(usage.path("group_by").asText(), "key"), field("requests", "requests"),
                            field("prompt", "prompt_tokens"), field("completion", "completion_tokens"),
                            field("errors", "errors"), new Column("mean ms", node -> String.format("%.0f",
                                    node.path("mean_latency_ms").asDouble()))));
            return 0;
        }
    }

    @Command(name = "requests", mixinStandardHelpOptions = true,
            description = "A deployment's request records, newest first: key, tokens, latency, status, label id.")
    static final class Requests extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The deployment")
        String model;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList(path(model) + "/requests", page, List.of(field("at", "at"), field("route", "route"),
                    field("token", "token"), field("caller", "caller_organisation"), field("prompt", "prompt_tokens"),
                    field("completion", "completion_tokens"), field("ms", "latency_ms"), field("status", "status"),
                    field("produce id", "produce_id")));
            return 0;
        }
    }
}
