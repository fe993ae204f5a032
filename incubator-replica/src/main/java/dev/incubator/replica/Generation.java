package dev.incubator.replica;

import dev.incubator.engine.Completion;
import dev.incubator.engine.LlamaModel;
import dev.incubator.engine.Sampling;
import dev.incubator.engine.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * One completion as text: the engine chooses tokens, this turns them into text as it goes (never cutting a UTF-8
 * character), ends at a stop sequence (left out of the text, as OpenAI does) or the end-of-text token, and hands
 * each safe piece of text to a sink (what streaming sends). Text that could still become a stop sequence is held back
 * until it can not.
 */
final class Generation {
    /** Receives text as it becomes final. */
    @FunctionalInterface
    interface Sink {
        void text(String delta) throws IOException;
    }

    record Params(int maxTokens, Sampling sampling, boolean echo, OptionalInt topLogprobs, List<String> stops,
                  OptionalInt endOfText) {
    }

    /** {@code text}: what was generated (without the prompt); {@code result}: the engine's tokens and scores. */
    record Outcome(String text, int promptTokens, int completionTokens, String finishReason,
                   Completion.Result result) {
    }

    private Generation() {
    }

    static Outcome run(LlamaModel model, Tokenizer tokenizer, int[] prompt, Params params, Sink sink) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int holdBack = params.stops().stream().mapToInt(String::length).max().orElse(1) - 1;
        int[] emitted = {0};
        String[] stoppedAt = {null};
        Completion.Request request = new Completion.Request(prompt, params.maxTokens(), params.echo(),
                params.topLogprobs(), params.sampling(), params.endOfText());
        Completion.Result result = Completion.complete(model, request, (token, score) -> {
            bytes.writeBytes(tokenizer.bytes(new int[] {token}));
            byte[] all = bytes.toByteArray();
            String text = new String(all, 0, Utf8.completePrefix(all, all.length), StandardCharsets.UTF_8);
            int stop = firstStop(text, params.stops());
            if (stop >= 0) {
                stoppedAt[0] = text.substring(0, stop);
                emit(sink, stoppedAt[0], emitted, stoppedAt[0].length());
                return false;
            }
            emit(sink, text, emitted, Math.max(emitted[0], text.length() - holdBack));
            return true;
        });
        String text;
        String finish = result.finishReason();
        if (stoppedAt[0] != null) {
            text = stoppedAt[0];
        } else {
            text = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
            emit(sink, text, emitted, text.length());
        }
        return new Outcome(text, prompt.length, result.generated().length, finish, result);
    }

    private static void emit(Sink sink, String text, int[] emitted, int upTo) {
        if (upTo <= emitted[0]) {
            return;
        }
        try {
            sink.text(text.substring(emitted[0], upTo));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the caller went away: the completion ends
        }
        emitted[0] = upTo;
    }

    private static int firstStop(String text, List<String> stops) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }
}
