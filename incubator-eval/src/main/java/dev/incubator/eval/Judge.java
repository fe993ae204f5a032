package dev.incubator.eval;

/** Judges one answer of a safety assessment: whether it passes, whether it refused, and why. */
public interface Judge {
    SafetyJudge.Verdict judge(SafetyBank.Question question, String answer);

    /** What judged, as the report names it. */
    String describe();
}
