package dev.incubator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplingTest {
    private static final float[] LOGITS = {0f, 2f, 1f, -3f};

    @Test
    void greedyTakesTheLargestLogit() {
        assertThat(Sampling.greedy().choose(LOGITS)).isEqualTo(1);
    }

    @Test
    void theSameSeedDrawsTheSameTokensAndTopPLeavesOutTheTail() {
        Sampling first = new Sampling(1.0, 0.9, 42);
        Sampling second = new Sampling(1.0, 0.9, 42);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            int token = first.choose(LOGITS);
            assertThat(second.choose(LOGITS)).isEqualTo(token);
            counts.merge(token, 1, Integer::sum);
        }
        // Probabilities 0.09, 0.67, 0.24, 0.004: top-p 0.9 keeps tokens 1 and 2 only.
        assertThat(counts.keySet()).containsExactlyInAnyOrder(1, 2);
        assertThat(counts.get(1)).isBetween(1300, 1500);
    }

    @Test
    void logSoftmaxSumsToOneInProbability() {
        double total = 0;
        for (double logprob : Sampling.logSoftmax(LOGITS)) {
            total += Math.exp(logprob);
        }
        assertThat(total).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThatThrownBy(() -> new Sampling(-1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
