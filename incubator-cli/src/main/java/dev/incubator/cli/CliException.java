package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * A failure to report to the user in one clear message, exiting non-zero; with the server's problem details when
 * the server refused, so that {@code -o json} can print them as they came.
 */
final class CliException extends RuntimeException {
    private final transient Optional<JsonNode> problem;

    CliException(String message) {
        this(message, Optional.empty());
    }

    private CliException(String message, Optional<JsonNode> problem) {
        super(message);
        this.problem = problem;
    }

    /** The problem as JSON: the server's, or one made of the message. */
    JsonNode problem() {
        return problem.orElseGet(() -> {
            ObjectNode made = JsonNodeFactory.instance.objectNode();
            made.put("title", "CLI error");
            made.put("detail", getMessage());
            return made;
        });
    }

    /**
     * One line for the problem, then each invalid field once. A validation problem's detail only repeats its field
     * errors, so it is left out when they are listed.
     */
    static CliException fromProblem(int status, JsonNode problem) {
        StringBuilder message = new StringBuilder();
        JsonNode errors = problem.path("errors");
        boolean listed = errors.isArray() && !errors.isEmpty();
        message.append(listed ? problem.path("title").asText("invalid request")
                : problem.path("detail").asText(problem.path("title").asText("HTTP " + status)));
        message.append(" (").append(status);
        if (problem.hasNonNull("code")) {
            message.append(' ').append(problem.get("code").asText());
        }
        message.append(')');
        for (JsonNode error : errors) {
            message.append("\n  - ").append(error.path("field").asText()).append(": ").append(error.path("message").asText());
        }
        if (problem.hasNonNull("request_id")) {
            message.append("\n  request id: ").append(problem.get("request_id").asText());
        }
        ObjectNode copy = problem.isObject() ? ((ObjectNode) problem).deepCopy() : JsonNodeFactory.instance.objectNode();
        if (!copy.has("status")) {
            copy.put("status", status);
        }
        return new CliException(message.toString(), Optional.of(copy));
    }
}
