package dev.incubator.replica;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How chat messages become a prompt. The built-in engine renders ChatML ({@code <|im_start|>role\ncontent<|im_end|>}
 * per message, then {@code <|im_start|>assistant\n}): the format of Qwen's chat templates, and the default for a
 * model whose tokenizer_config.json has no {@code chat_template} (the toolkit's models). A model whose template is
 * something else is served for completions, and its chat requests are refused with the reason, rather than being
 * fed a prompt in a format it was not trained on.
 */
final class ChatFormat {
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "developer");
    private static final String END = "<|im_end|>";

    record Message(String role, String content) {
        static Message of(JsonNode node, String field) {
            if (!node.isObject() || !node.path("role").isTextual() || !ROLES.contains(node.path("role").asText())) {
                throw OpenAiError.invalid(field + ".role", "must be one of system, developer, user, assistant");
            }
            JsonNode content = node.get("content");
            String text;
            if (content != null && content.isTextual()) {
                text = content.asText();
            } else if (content != null && content.isArray()) {
                StringBuilder joined = new StringBuilder();
                for (JsonNode part : content) {
                    if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                        throw OpenAiError.invalid(field + ".content", "only text parts ({\"type\": \"text\","
                                + " \"text\": ...}) are understood by this model");
                    }
                    joined.append(part.get("text").asText());
                }
                text = joined.toString();
            } else {
                throw OpenAiError.invalid(field + ".content", "must be a string or an array of text parts");
            }
            String role = node.get("role").asText();
            return new Message(role.equals("developer") ? "system" : role, text);
        }
    }

    private final Optional<String> refusal;

    private ChatFormat(Optional<String> refusal) {
        this.refusal = refusal;
    }

    static ChatFormat of(JsonNode tokenizerConfig) {
        JsonNode template = tokenizerConfig.path("chat_template");
        if (template.isMissingNode() || template.isNull()) {
            return new ChatFormat(Optional.empty());
        }
        String text = template.isTextual() ? template.asText() : template.toString();
        return new ChatFormat(text.contains("<|im_start|>") ? Optional.empty() : Optional.of("this model's chat"
                + " template (tokenizer_config.json) is not ChatML, the one format the built-in engine renders; use"
                + " /v1/completions with the prompt in the model's own format, or a command engine"));
    }

    String render(List<Message> messages) {
        if (refusal.isPresent()) {
            throw new OpenAiError(400, "invalid_request_error", "messages", "chat_template_unsupported",
                    refusal.get());
        }
        StringBuilder prompt = new StringBuilder();
        for (Message message : messages) {
            prompt.append("<|im_start|>").append(message.role()).append('\n').append(message.content()).append(END)
                    .append('\n');
        }
        return prompt.append("<|im_start|>assistant\n").toString();
    }

    /** The text that ends the assistant's turn. */
    Optional<String> stop() {
        return Optional.of(END);
    }
}
