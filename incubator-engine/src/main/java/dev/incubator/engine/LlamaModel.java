package dev.incubator.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A llama-family decoder's weights and its forward pass on CPU, one token at a time against a {@link Session}'s KV
 * cache: RMSNorm, rotary embeddings (Hugging Face's half-split layout), grouped-query attention (each key-value head
 * serving heads / kv-heads consecutive query heads), optional q/k/v biases (Qwen2), SwiGLU. Immutable once loaded;
 * sessions are independent, so several may decode at once.
 */
public final class LlamaModel {
    private final ModelConfig config;
    private final float[] embed;
    private final float[] finalNorm;
    private final float[] lmHead;
    private final Layer[] layers;
    private final float[] inverseFrequencies;
    /** cos and sin of every position's rotary angles, [position][headDim / 2], computed once. */
    private final float[] cosines;
    private final float[] sines;

    record Layer(float[] attentionNorm, float[] q, float[] k, float[] v, float[] o, float[] qBias, float[] kBias,
                 float[] vBias, float[] mlpNorm, float[] gate, float[] up, float[] down) {
    }

    private LlamaModel(ModelConfig config, Weights weights) {
        this.config = config;
        int h = config.hiddenSize();
        int qWidth = config.heads() * config.headDim();
        int kvWidth = config.kvHeads() * config.headDim();
        int i = config.intermediateSize();
        this.embed = weights.get("model.embed_tokens.weight", config.vocabSize(), h);
        this.finalNorm = weights.get("model.norm.weight", h);
        this.lmHead = config.tiedEmbeddings() || !weights.has("lm_head.weight") ? embed
                : weights.get("lm_head.weight", config.vocabSize(), h);
        this.layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            boolean bias = config.attentionBias() && weights.has(p + "self_attn.q_proj.bias");
            layers[l] = new Layer(weights.get(p + "input_layernorm.weight", h),
                    weights.get(p + "self_attn.q_proj.weight", qWidth, h),
                    weights.get(p + "self_attn.k_proj.weight", kvWidth, h),
                    weights.get(p + "self_attn.v_proj.weight", kvWidth, h),
                    weights.get(p + "self_attn.o_proj.weight", h, qWidth),
                    bias ? weights.get(p + "self_attn.q_proj.bias", qWidth) : null,
                    bias ? weights.get(p + "self_attn.k_proj.bias", kvWidth) : null,
                    bias ? weights.get(p + "self_attn.v_proj.bias", kvWidth) : null,
                    weights.get(p + "post_attention_layernorm.weight", h),
                    weights.get(p + "mlp.gate_proj.weight", i, h), weights.get(p + "mlp.up_proj.weight", i, h),
                    weights.get(p + "mlp.down_proj.weight", h, i));
        }
        int half = config.headDim() / 2;
        this.inverseFrequencies = new float[half];
        for (int j = 0; j < half; j++) {
            // As torch computes it, in float32: 1 / theta ^ (2j / d).
            inverseFrequencies[j] = (float) (1.0 / Math.pow(config.ropeTheta(), (float) (2 * j) / config.headDim()));
        }
        this.cosines = new float[config.maxPositions() * half];
        this.sines = new float[config.maxPositions() * half];
        for (int position = 0; position < config.maxPositions(); position++) {
            for (int j = 0; j < half; j++) {
                float angle = position * inverseFrequencies[j];
                cosines[position * half + j] = (float) Math.cos(angle);
                sines[position * half + j] = (float) Math.sin(angle);
            }
        }
    }

    /** Loads config.json and model.safetensors from a folder (a hub model's files). */
    public static LlamaModel load(Path folder) throws IOException {
        ModelConfig config = ModelConfig.of(new ObjectMapper().readTree(folder.resolve("config.json").toFile()));
        return new LlamaModel(config, Weights.load(folder.resolve("model.safetensors")));
    }

    public ModelConfig config() {
        return config;
    }

    public Session session() {
        return new Session(this, config.maxPositions());
    }

    /** A session with room for {@code capacity} positions (at most the model's). */
    public Session session(int capacity) {
        return new Session(this, Math.min(capacity, config.maxPositions()));
    }

    /** Parameters in the checkpoint (embeddings counted once when tied). */
    public long parameters() {
        long total = embed.length + finalNorm.length + (lmHead == embed ? 0 : lmHead.length);
        for (Layer layer : layers) {
            total += layer.attentionNorm().length + layer.q().length + layer.k().length + layer.v().length
                    + layer.o().length + layer.mlpNorm().length + layer.gate().length + layer.up().length
                    + layer.down().length + (layer.qBias() == null ? 0 : layer.qBias().length + layer.kBias().length
                    + layer.vBias().length);
        }
        return total;
    }

    /** One position through every layer: {@code x} (the token's embedding) becomes the final hidden state. */
    void forward(float[] x, int position, Session.Cache cache, Session.Scratch s) {
        ModelConfig c = config;
        int headDim = c.headDim();
        int group = c.heads() / c.kvHeads();
        int kvWidth = c.kvHeads() * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            rmsNorm(s.normed, x, layer.attentionNorm(), c.rmsNormEps());
            matmul(s.q, layer.q(), s.normed, c.hiddenSize(), layer.qBias());
            float[] keys = cache.keys[l];
            float[] values = cache.values[l];
            int at = position * kvWidth;
            matmulInto(keys, at, layer.k(), s.normed, kvWidth, c.hiddenSize(), layer.kBias());
            matmulInto(values, at, layer.v(), s.normed, kvWidth, c.hiddenSize(), layer.vBias());
            for (int head = 0; head < c.heads(); head++) {
                rope(s.q, head * headDim, position);
            }
            for (int head = 0; head < c.kvHeads(); head++) {
                rope(keys, at + head * headDim, position);
            }
            for (int head = 0; head < c.heads(); head++) {
                int kvHead = head / group;
                int qOffset = head * headDim;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t <= position; t++) {
                    float score = Kernels.dot(s.q, qOffset, keys, t * kvWidth + kvHead * headDim, headDim) * scale;
                    s.scores[t] = score;
                    max = Math.max(max, score);
                }
                double sum = 0;
                for (int t = 0; t <= position; t++) {
                    float e = (float) Math.exp(s.scores[t] - max);
                    s.scores[t] = e;
                    sum += e;
                }
                float inverse = (float) (1.0 / sum);
                java.util.Arrays.fill(s.attention, qOffset, qOffset + headDim, 0f);
                for (int t = 0; t <= position; t++) {
                    Kernels.axpy(s.scores[t] * inverse, values, t * kvWidth + kvHead * headDim, s.attention, qOffset,
                            headDim);
                }
            }
            matmul(s.projected, layer.o(), s.attention, c.heads() * headDim, null);
            for (int d = 0; d < c.hiddenSize(); d++) {
                x[d] += s.projected[d];
            }
            rmsNorm(s.normed, x, layer.mlpNorm(), c.rmsNormEps());
            matmul(s.gate, layer.gate(), s.normed, c.hiddenSize(), null);
            matmul(s.up, layer.up(), s.normed, c.hiddenSize(), null);
            for (int d = 0; d < c.intermediateSize(); d++) {
                float g = s.gate[d];
                s.gate[d] = g / (1f + (float) Math.exp(-g)) * s.up[d];
            }
            matmul(s.projected, layer.down(), s.gate, c.intermediateSize(), null);
            for (int d = 0; d < c.hiddenSize(); d++) {
                x[d] += s.projected[d];
            }
        }
    }

    void embed(int token, float[] x) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of "
                    + config.vocabSize());
        }
        System.arraycopy(embed, token * config.hiddenSize(), x, 0, config.hiddenSize());
    }

    /** The final norm and the language-model head: logits over the vocabulary. */
    void logits(float[] hidden, float[] normed, float[] logits) {
        rmsNorm(normed, hidden, finalNorm, config.rmsNormEps());
        matmul(logits, lmHead, normed, config.hiddenSize(), null);
    }

    void finalNorm(float[] hidden, float[] normed) {
        rmsNorm(normed, hidden, finalNorm, config.rmsNormEps());
    }

    private void rope(float[] vector, int offset, int position) {
        int half = config.headDim() / 2;
        int table = position * half;
        for (int j = 0; j < half; j++) {
            float cos = cosines[table + j];
            float sin = sines[table + j];
            float first = vector[offset + j];
            float second = vector[offset + j + half];
            vector[offset + j] = first * cos - second * sin;
            vector[offset + j + half] = second * cos + first * sin;
        }
    }

    static void rmsNorm(float[] out, float[] x, float[] weight, float eps) {
        double squares = 0;
        for (float value : x) {
            squares += (double) value * value;
        }
        float inverse = (float) (1.0 / Math.sqrt(squares / x.length + eps));
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inverse * weight[i];
        }
    }

    /** out = W x (+ bias), W row-major [out.length][columns]. */
    static void matmul(float[] out, float[] weights, float[] x, int columns, float[] bias) {
        matmulInto(out, 0, weights, x, out.length, columns, bias);
    }

    static void matmulInto(float[] out, int offset, float[] weights, float[] x, int rows, int columns, float[] bias) {
        for (int r = 0; r < rows; r++) {
            float value = Kernels.dot(weights, r * columns, x, 0, columns);
            out[offset + r] = bias == null ? value : value + bias[r];
        }
    }

    /** How the inner loops run (the Vector API or plain Java). */
    public static String kernels() {
        return Kernels.describe();
    }
}
