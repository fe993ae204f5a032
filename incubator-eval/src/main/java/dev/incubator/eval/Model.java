package dev.incubator.eval;

import java.util.List;
import java.util.Set;

/**
 * The model under evaluation, as the harness needs it: log-likelihoods of continuations after a context and greedy
 * generation. The built-in engine in process and any OpenAI-compatible endpoint (prompt logprobs by echo) implement it.
 */
public interface Model {
    /** One continuation's score: the sum of its tokens' log-probabilities, its first token's, and its token count. */
    record Scored(double logprob, double firstTokenLogprob, int tokens) {
        /** The last {@code length} of {@code size} token log-probabilities, as one continuation's score. */
        public static Scored lastTokens(java.util.function.IntToDoubleFunction logprob, int size, int length) {
            double sum = 0;
            double first = 0;
            for (int i = size - length; i < size; i++) {
                double value = logprob.applyAsDouble(i);
                if (i == size - length) {
                    first = value;
                }
                sum += value;
            }
            return new Scored(sum, first, length);
        }
    }

    /** What this model can do; the harness refuses a method it can not support before scoring anything. */
    Set<Method> supports();

    /** Each continuation scored after the same context (continuation tokens = joint tokens after the context's). */
    List<Scored> loglikelihood(String context, List<String> continuations);

    /** Greedy generation of at most {@code maxTokens}, ended by the first stop sequence (left out). */
    String generate(String prompt, int maxTokens, List<String> stop);

    /** The engine and its version, as a record pins it. */
    String engine();
}
