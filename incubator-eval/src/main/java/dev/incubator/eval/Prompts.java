package dev.incubator.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An item made ready to score: its context (few-shot examples, then its prompt), its continuations and its gold. */
final class Prompts {
    /** {@code gold}: the option's index for scored methods, or the expected answer for generation. */
    record Prepared(Item item, String subject, String context, List<String> continuations, int goldIndex,
                    String gold, List<String> shots) {
    }

    private Prompts() {
    }

    /** Empty when the item's gold answer is none of its options (it is skipped, and counted as skipped). */
    static Optional<Prepared> prepare(TaskSpec spec, Item item, List<Prepared> shots, Method method) {
        String prompt = Template.render(spec.prompt(), item.fields(), spec.maps());
        String gold = Template.render(spec.gold(), item.fields(), spec.maps()).strip();
        String subject = Template.render(spec.subject(), item.fields(), spec.maps());
        List<String> options = options(spec, item, method);
        int goldIndex = -1;
        if (method == Method.GENERATE) {
            gold = spec.generation().extractor() == Extractor.LAST_NUMBER ? Extractor.number(gold) : gold;
            if (gold.isEmpty()) {
                return Optional.empty();
            }
        } else {
            goldIndex = goldIndex(spec, item, gold, options);
            if (goldIndex < 0) {
                return Optional.empty();
            }
        }
        StringBuilder context = new StringBuilder();
        for (Prepared shot : shots) {
            String answer = method == Method.GENERATE ? shot.gold() : shot.continuations().get(shot.goldIndex())
                    .substring(spec.targetDelimiter().length());
            context.append(shot.context()).append(spec.targetDelimiter()).append(answer).append("\n\n");
        }
        context.append(prompt);
        List<String> continuations = new ArrayList<>();
        for (String option : options) {
            continuations.add(spec.targetDelimiter() + option);
        }
        return Optional.of(new Prepared(item, subject, context.toString(), List.copyOf(continuations), goldIndex,
                gold, shots.stream().map(shot -> shot.item().id()).toList()));
    }

    /** Letter: the letters. Loglikelihood: the rendered choices, or the letters when the options are in the prompt. */
    private static List<String> options(TaskSpec spec, Item item, Method method) {
        if (method == Method.GENERATE) {
            return List.of();
        }
        if (method == Method.LETTER || spec.choices().isEmpty()) {
            return spec.letters();
        }
        return spec.choices().stream().map(choice -> Template.render(choice, item.fields(), spec.maps())).toList();
    }

    /** The gold answer as an option index: a number, one of the letters, or an option's own text. */
    private static int goldIndex(TaskSpec spec, Item item, String gold, List<String> options) {
        int letter = spec.letters().indexOf(gold);
        if (letter >= 0 && letter < options.size()) {
            return letter;
        }
        if (gold.matches("\\d{1,3}") && Integer.parseInt(gold) < options.size()) {
            return Integer.parseInt(gold);
        }
        return options.indexOf(gold);
    }
}
