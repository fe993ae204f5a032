package dev.incubator.engine;

/**
 * One sequence being read or written: its KV cache and scratch buffers. {@link #next} feeds the token at the next
 * position and returns the logits for the one after it. Not thread-safe; one per request.
 */
public final class Session {
    private final LlamaModel model;
    private final Cache cache;
    private final Scratch scratch;
    private final int capacity;
    private int position;

    static final class Cache {
        final float[][] keys;
        final float[][] values;

        Cache(ModelConfig config, int capacity) {
            int width = config.kvHeads() * config.headDim();
            keys = new float[config.layers()][capacity * width];
            values = new float[config.layers()][capacity * width];
        }
    }

    static final class Scratch {
        final float[] x;
        final float[] normed;
        final float[] q;
        final float[] attention;
        final float[] projected;
        final float[] gate;
        final float[] up;
        final float[] scores;
        final float[] logits;

        Scratch(ModelConfig config, int capacity) {
            int qWidth = config.heads() * config.headDim();
            x = new float[config.hiddenSize()];
            normed = new float[config.hiddenSize()];
            q = new float[qWidth];
            attention = new float[qWidth];
            projected = new float[config.hiddenSize()];
            gate = new float[config.intermediateSize()];
            up = new float[config.intermediateSize()];
            scores = new float[capacity];
            logits = new float[config.vocabSize()];
        }
    }

    Session(LlamaModel model, int capacity) {
        this.model = model;
        this.capacity = capacity;
        this.cache = new Cache(model.config(), capacity);
        this.scratch = new Scratch(model.config(), capacity);
    }

    /** Positions filled so far. */
    public int position() {
        return position;
    }

    public int capacity() {
        return capacity;
    }

    /** Feeds {@code token}; returns the logits of the next token (a fresh copy). */
    public float[] next(int token) {
        advance(token);
        model.logits(scratch.x, scratch.normed, scratch.logits);
        return scratch.logits.clone();
    }

    /** Feeds {@code token} without computing logits (a prompt's tokens whose predictions nobody asked for). */
    public void advance(int token) {
        if (position >= capacity) {
            throw new IllegalStateException("the sequence is full: " + capacity + " positions (max_position_embeddings"
                    + " or the session's capacity)");
        }
        model.embed(token, scratch.x);
        model.forward(scratch.x, position, cache, scratch);
        position++;
    }

    /** The final-normed hidden state after the last token fed (what embeddings pool). */
    public float[] hidden() {
        float[] out = new float[scratch.x.length];
        model.finalNorm(scratch.x, out);
        return out;
    }

    /** Forgets positions from {@code length} on (a prefix kept, e.g. a shared prompt). */
    public void truncate(int length) {
        if (length < 0 || length > position) {
            throw new IllegalArgumentException("can not truncate " + position + " positions to " + length);
        }
        position = length;
    }
}
