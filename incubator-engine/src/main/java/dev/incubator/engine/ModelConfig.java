package dev.incubator.engine;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The figures of a llama-family config.json that the forward pass needs. {@code attentionBias}: Qwen2-style biases
 * on the q, k and v projections.
 */
public record ModelConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int headDim, float ropeTheta, float rmsNormEps, int maxPositions, boolean tiedEmbeddings,
                          boolean attentionBias, int bosTokenId, int eosTokenId) {
    public ModelConfig {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " attention heads are not a multiple of " + kvHeads
                    + " key-value heads");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head size " + headDim + " must be even for rotary embeddings");
        }
    }

    public static ModelConfig of(JsonNode config) {
        String type = config.path("model_type").asText("llama");
        if (!type.equals("llama") && !type.equals("qwen2") && !type.equals("mistral")) {
            throw new IllegalArgumentException("model_type '" + type + "' is not a llama-family model (llama, qwen2,"
                    + " mistral)");
        }
        int hidden = required(config, "hidden_size");
        int heads = required(config, "num_attention_heads");
        return new ModelConfig(required(config, "vocab_size"), hidden, required(config, "intermediate_size"),
                required(config, "num_hidden_layers"), heads, config.path("num_key_value_heads").asInt(heads),
                config.hasNonNull("head_dim") ? config.get("head_dim").asInt() : hidden / heads,
                (float) config.path("rope_theta").asDouble(10000.0), (float) config.path("rms_norm_eps").asDouble(1e-6),
                config.path("max_position_embeddings").asInt(2048), config.path("tie_word_embeddings").asBoolean(false),
                type.equals("qwen2") || config.path("attention_bias").asBoolean(false),
                config.path("bos_token_id").asInt(-1), firstOf(config.path("eos_token_id")));
    }

    private static int required(JsonNode config, String key) {
        if (!config.path(key).canConvertToInt() || config.path(key).asInt() <= 0) {
            throw new IllegalArgumentException("config.json: " + key + " is " + config.path(key) + ", not a positive"
                    + " whole number");
        }
        return config.get(key).asInt();
    }

    private static int firstOf(JsonNode node) {
        return node.isArray() ? node.path(0).asInt(-1) : node.asInt(-1);
    }
}
