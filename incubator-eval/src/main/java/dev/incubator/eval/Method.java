package dev.incubator.eval;

import java.util.Locale;

/** The three ways to score an item, always named in a record because their numbers are not comparable. */
public enum Method {
    /** Sum of the continuation's token log-probabilities per option (acc, and acc_norm per character). */
    LOGLIKELIHOOD,
    /** Log-probability of each option letter as the next token after the prompt (the C-Eval evaluator's way). */
    LETTER,
    /** Greedy generation; the answer is taken from the text by a named extractor. */
    GENERATE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
