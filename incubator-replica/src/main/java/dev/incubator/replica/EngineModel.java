package dev.incubator.replica;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.engine.Completion;
import dev.incubator.engine.LlamaModel;
import dev.incubator.engine.Sampling;
import dev.incubator.engine.Tokenizer;
import dev.incubator.eval.Method;
import dev.incubator.eval.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The built-in engine as the evaluation harness's model, in process: a continuation's tokens are the joint
 * tokenisation's after the context's own (lm-eval's encode-pair rule); a sequence longer than the model's context keeps
 * its last tokens (the continuation whole); the first kept token is the condition, never scored. Greedy generation
 * keeps the prompt's last tokens so that the answer fits.
 */
public final class EngineModel implements Model {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final String engine;

    private EngineModel(LlamaModel model, Tokenizer tokenizer, String engine) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.engine = engine;
    }

    public static EngineModel load(Path folder) throws IOException {
        LlamaModel model = LlamaModel.load(folder);
        Tokenizer tokenizer = Tokenizer.of(new ObjectMapper().readTree(folder.resolve("tokenizer.json").toFile()));
        String version = EngineModel.class.getPackage().getImplementationVersion();
        return new EngineModel(model, tokenizer, "incubator built-in engine " + (version == null ? "dev" : version)
                + " (kernels " + LlamaModel.kernels() + ")");
    }

    @Override
    public Set<Method> supports() {
        return Set.of(Method.LOGLIKELIHOOD, Method.LETTER, Method.GENERATE);
    }

    @Override
    public List<Scored> loglikelihood(String context, List<String> continuations) {
        int[] contextIds = tokenizer.encode(context);
        List<Scored> out = new ArrayList<>();
        for (String continuation : continuations) {
            int[] joint = tokenizer.encode(context + continuation);
            int length = Math.max(1, joint.length - contextIds.length);
            int limit = model.config().maxPositions();
            int[] kept = joint.length > limit ? Arrays.copyOfRange(joint, joint.length - limit, joint.length) : joint;
            length = Math.min(length, kept.length - 1);
            Completion.Result result = Completion.complete(model, new Completion.Request(kept, 0, true,
                    OptionalInt.of(0), Sampling.greedy(), OptionalInt.empty()));
            out.add(Scored.lastTokens(i -> result.prompt().get(i).logprob().orElseThrow(), kept.length, length));
        }
        return out;
    }

    @Override
    public String generate(String prompt, int maxTokens, List<String> stop) {
        int[] ids = tokenizer.encode(prompt);
        int budget = Math.max(1, model.config().maxPositions() - maxTokens);
        int[] kept = ids.length > budget ? Arrays.copyOfRange(ids, ids.length - budget, ids.length) : ids;
        int eos = model.config().eosTokenId();
        OptionalInt end = eos >= 0 && eos < model.config().vocabSize() ? OptionalInt.of(eos) : OptionalInt.empty();
        return Generation.run(model, tokenizer, kept, new Generation.Params(Math.min(maxTokens,
                model.config().maxPositions() - kept.length), Sampling.greedy(), false, OptionalInt.empty(), stop,
                end), delta -> { }).text();
    }

    @Override
    public String engine() {
        return engine;
    }
}
