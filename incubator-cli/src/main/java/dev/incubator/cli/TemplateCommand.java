package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.cli.Output.Column;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Job templates of the toolkit: pretrain, finetune, tokenizer.",
                "Submit one with 'incubator job submit --template NAME --set PARAM=VALUE ...'."},
        subcommands = {TemplateCommand.ListTemplates.class, TemplateCommand.Show.class, TemplateCommand.Params.class})
final class TemplateCommand {
    static final List<Column> COLUMNS = List.of(field("name", "name"), field("summary", "summary"),
            field("摘要", "summary_zh"));
    static final List<Column> PARAMETERS = List.of(field("parameter", "name"), field("type", "type"),
            new Column("default", node -> node.path("required").asBoolean() ? "(required)"
                    : Output.text(node.path("default_value"))), new Column("range", TemplateCommand::range),
            field("meaning", "description"));

    private TemplateCommand() {
    }

    private static String range(JsonNode parameter) {
        if (parameter.path("choices").size() > 0) {
            return Output.text(parameter.path("choices")).replace(", ", "|");
        }
        boolean low = parameter.hasNonNull("min");
        boolean high = parameter.hasNonNull("max");
        return low && high ? parameter.get("min").asText() + "-" + parameter.get("max").asText()
                : low ? ">= " + parameter.get("min").asText() : high ? "<= " + parameter.get("max").asText() : "";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the job templates.")
    static final class ListTemplates extends ClientCommand {
        @Override
        public Integer call() {
            Output.printList(out(), output, client().get("/api/v1/templates"), COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a template: what it does, its parameters (type, default, range) and job fields.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Template, e.g. pretrain")
        String name;

        @Override
        public Integer call() {
            JsonNode template = client().get("/api/v1/templates/" + segment(name));
            if (output == Output.Format.json) {
                Output.json(out(), template);
                return 0;
            }
            out().println(template.path("name").asText() + ": " + template.path("summary").asText() + " / "
                    + template.path("summary_zh").asText());
            out().println();
            out().println(template.path("description").asText());
            out().println();
            ObjectNode page = new ObjectMapper().createObjectNode();
            page.set("items", template.path("parameters"));
            Output.printList(out(), output, page, PARAMETERS);
            out().println();
            out().println("runs: " + String.join(" ", textList(template.path("command"))) + " (" + template.path("files")
                    .size() + " files); job fields: " + template.path("job"));
            out().flush();
            return 0;
        }

        private static List<String> textList(JsonNode array) {
            List<String> values = new java.util.ArrayList<>();
            array.forEach(value -> values.add(value.asText()));
            return values;
        }
    }

    @Command(name = "params", mixinStandardHelpOptions = true,
            description = {"Print a template's parameters as JSON with their defaults (and --set values), to run its",
                    "script outside Incubator: python3 pretrain/pretrain.py --params params.json"})
    static final class Params extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Template, e.g. pretrain")
        String name;

        @picocli.CommandLine.Option(names = "--set", paramLabel = "PARAM=VALUE", description = "A value instead of"
                + " the default (repeatable)")
        List<String> sets = new java.util.ArrayList<>();

        @Override
        public Integer call() {
            JsonNode template = client().get("/api/v1/templates/" + segment(name));
            ObjectNode params = new ObjectMapper().createObjectNode();
            for (JsonNode parameter : template.path("parameters")) {
                params.set(parameter.path("name").asText(), parameter.path("default_value").isMissingNode()
                        ? params.nullNode() : parameter.path("default_value"));
            }
            JobToolkit.parameters(sets).forEach(params::put);
            Output.json(out(), params);
            return 0;
        }
    }
}
