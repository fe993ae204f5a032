package dev.incubator.toolkit.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tensors a LlamaForCausalLM config.json promises, by Hugging Face's names and shapes, and a check of a
 * checkpoint's header against them: a published model is what its config says, or it is refused.
 */
public final class LlamaShapes {
    private LlamaShapes() {
    }

    /** The figures of a llama config that fix the shapes. */
    public record Config(long vocab, long hidden, long intermediate, int layers, long heads, long kvHeads,
                         long headDim, boolean tied) {
        public long parameters() {
            return expected(this).values().stream().mapToLong(shape -> shape.stream().reduce(1L, Math::multiplyExact))
                    .sum();
        }
    }

    /** Reads the figures from config.json's parsed object; throws naming the missing or wrong keys. */
    public static Config config(Map<?, ?> json) {
        List<String> problems = new ArrayList<>();
        Object type = json.get("model_type");
        if (!"llama".equals(type)) {
            problems.add("model_type is " + type + ", not llama");
        }
        long vocab = number(json, "vocab_size", problems);
        long hidden = number(json, "hidden_size", problems);
        long intermediate = number(json, "intermediate_size", problems);
        long layers = number(json, "num_hidden_layers", problems);
        long heads = number(json, "num_attention_heads", problems);
        long kvHeads = json.containsKey("num_key_value_heads") ? number(json, "num_key_value_heads", problems) : heads;
        long headDim = json.containsKey("head_dim") && json.get("head_dim") != null ? number(json, "head_dim", problems)
                : heads > 0 ? hidden / heads : 0;
        if (!problems.isEmpty()) {
            throw new Safetensors.InvalidModelException("config.json: " + String.join("; ", problems));
        }
        if (layers > 10_000 || heads % Math.max(kvHeads, 1) != 0) {
            throw new Safetensors.InvalidModelException("config.json: " + layers + " layers, " + heads + " heads and "
                    + kvHeads + " key-value heads are not a llama model (heads must be a multiple of key-value heads)");
        }
        return new Config(vocab, hidden, intermediate, (int) layers, heads, kvHeads, headDim,
                Boolean.TRUE.equals(json.get("tie_word_embeddings")));
    }

    private static long number(Map<?, ?> json, String key, List<String> problems) {
        if (json.get(key) instanceof Number number && number.longValue() > 0) {
            return number.longValue();
        }
        problems.add(key + " is " + (json.containsKey(key) ? json.get(key) : "missing") + ", not a positive whole"
                + " number");
        return 0;
    }

    /** Every tensor name with its shape. */
    public static Map<String, List<Long>> expected(Config c) {
        Map<String, List<Long>> shapes = new TreeMap<>();
        shapes.put("model.embed_tokens.weight", List.of(c.vocab(), c.hidden()));
        for (int i = 0; i < c.layers(); i++) {
            String layer = "model.layers." + i + ".";
            shapes.put(layer + "input_layernorm.weight", List.of(c.hidden()));
            shapes.put(layer + "post_attention_layernorm.weight", List.of(c.hidden()));
            shapes.put(layer + "self_attn.q_proj.weight", List.of(c.heads() * c.headDim(), c.hidden()));
            shapes.put(layer + "self_attn.k_proj.weight", List.of(c.kvHeads() * c.headDim(), c.hidden()));
            shapes.put(layer + "self_attn.v_proj.weight", List.of(c.kvHeads() * c.headDim(), c.hidden()));
            shapes.put(layer + "self_attn.o_proj.weight", List.of(c.hidden(), c.heads() * c.headDim()));
            shapes.put(layer + "mlp.gate_proj.weight", List.of(c.intermediate(), c.hidden()));
            shapes.put(layer + "mlp.up_proj.weight", List.of(c.intermediate(), c.hidden()));
            shapes.put(layer + "mlp.down_proj.weight", List.of(c.hidden(), c.intermediate()));
        }
        shapes.put("model.norm.weight", List.of(c.hidden()));
        if (!c.tied()) {
            shapes.put("lm_head.weight", List.of(c.vocab(), c.hidden()));
        }
        return shapes;
    }

    /** Every difference between the header and the config: missing, unexpected and misshapen tensors. */
    public static List<String> mismatches(Config config, Safetensors.Header header) {
        Map<String, List<Long>> expected = expected(config);
        List<String> problems = new ArrayList<>();
        expected.forEach((name, shape) -> {
            Optional<Safetensors.Tensor> tensor = Optional.ofNullable(header.tensors().get(name));
            if (tensor.isEmpty()) {
                problems.add(name + " is missing");
            } else if (!tensor.get().shape().equals(shape)) {
                problems.add(name + " has shape " + tensor.get().shape() + " where config.json implies " + shape);
            }
        });
        header.tensors().keySet().stream().filter(name -> !expected.containsKey(name)
                && !(config.tied() && name.equals("lm_head.weight")))
                .forEach(name -> problems.add(name + " is not a tensor of this config"));
        return problems;
    }
}
