package dev.incubator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One completion as OpenAI's /v1/completions defines it, on token ids: the prompt read, up to {@code maxTokens}
 * tokens chosen, and log-probabilities of the prompt's tokens ({@code echo}: what log-likelihood evaluation needs;
 * the first prompt token has none) and of the chosen ones, each with the {@code topLogprobs} likeliest alternatives.
 * {@code maxTokens} 0 with {@code echo} scores a text without writing any.
 */
public final class Completion {
    private Completion() {
    }

    public record Request(int[] prompt, int maxTokens, boolean echo, OptionalInt topLogprobs, Sampling sampling,
                          OptionalInt stopToken) {
        public Request {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt has no tokens");
            }
            if (maxTokens < 0) {
                throw new IllegalArgumentException("max_tokens must be 0 or more");
            }
            prompt = prompt.clone();
        }
    }

    /** A token with its log-probability (empty for a prompt's first token) and the likeliest alternatives there. */
    public record Scored(int token, Optional<Double> logprob, List<Alternative> top) {
    }

    public record Alternative(int token, double logprob) {
    }

    /** {@code finishReason}: "stop" (the stop token was chosen, and is left out) or "length". */
    public record Result(int[] generated, List<Scored> prompt, List<Scored> generatedScores, String finishReason) {
    }

    /** What a streaming caller sees of each token chosen; {@code false} stops the completion there ("stop"). */
    @FunctionalInterface
    public interface Listener {
        boolean chosen(int token, Optional<Scored> score);
    }

    public static Result complete(LlamaModel model, Request request) {
        return complete(model, request, (token, score) -> true);
    }

    /**
     * The same completion, telling {@code listener} of each token as it is chosen (what streaming needs); the
     * listener may end it early, e.g. at a stop sequence, and the result then ends with that token.
     */
    public static Result complete(LlamaModel model, Request request, Listener listener) {
        int[] prompt = request.prompt();
        if (prompt.length + request.maxTokens() > model.config().maxPositions()) {
            throw new IllegalArgumentException("the prompt's " + prompt.length + " tokens and max_tokens "
                    + request.maxTokens() + " exceed the model's context of " + model.config().maxPositions());
        }
        boolean scoring = request.topLogprobs().isPresent();
        Session session = model.session(prompt.length + request.maxTokens() + 1);
        List<Scored> promptScores = new ArrayList<>();
        if (request.echo() && scoring) {
            promptScores.add(new Scored(prompt[0], Optional.empty(), List.of()));
        }
        float[] logits = null;
        for (int i = 0; i < prompt.length; i++) {
            boolean last = i == prompt.length - 1;
            if (request.echo() && scoring || last) {
                logits = session.next(prompt[i]);
                if (request.echo() && scoring && !last) {
                    promptScores.add(score(logits, prompt[i + 1], request.topLogprobs().getAsInt()));
                }
            } else {
                session.advance(prompt[i]);
            }
        }
        List<Integer> generated = new ArrayList<>();
        List<Scored> generatedScores = new ArrayList<>();
        String finish = "length";
        for (int n = 0; n < request.maxTokens(); n++) {
            int next = request.sampling().choose(logits);
            if (request.stopToken().isPresent() && next == request.stopToken().getAsInt()) {
                finish = "stop";
                break;
            }
            Optional<Scored> scored = scoring ? Optional.of(score(logits, next, request.topLogprobs().getAsInt()))
                    : Optional.empty();
            scored.ifPresent(generatedScores::add);
            generated.add(next);
            if (!listener.chosen(next, scored)) {
                finish = "stop";
                break;
            }
            if (n + 1 < request.maxTokens()) {
                logits = session.next(next);
            }
        }
        return new Result(generated.stream().mapToInt(Integer::intValue).toArray(), promptScores, generatedScores,
                finish);
    }

    private static Scored score(float[] logits, int token, int top) {
        double[] logprobs = Sampling.logSoftmax(logits);
        List<Alternative> alternatives = new ArrayList<>();
        if (top > 0) {
            Integer[] order = new Integer[logprobs.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(logprobs[b], logprobs[a]));
            for (int i = 0; i < Math.min(top, order.length); i++) {
                alternatives.add(new Alternative(order[i], logprobs[order[i]]));
            }
        }
        return new Scored(token, Optional.of(logprobs[token]), List.copyOf(alternatives));
    }
}
