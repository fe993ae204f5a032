package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** A failure to report to the user in one clear message, exiting non-zero. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }

    static CliException fromProblem(int status, JsonNode problem) {
        StringBuilder message = new StringBuilder();
        message.append(problem.path("detail").asText(problem.path("title").asText("HTTP " + status)));
        message.append(" (").append(status);
        if (problem.hasNonNull("code")) {
            message.append(' ').append(problem.get("code").asText());
        }
        message.append(')');
        for (JsonNode error : problem.path("errors")) {
            message.append("\n  - ").append(error.path("field").asText()).append(": ").append(error.path("message").asText());
        }
        if (problem.hasNonNull("request_id")) {
            message.append("\n  request id: ").append(problem.get("request_id").asText());
        }
        return new CliException(message.toString());
    }
}
