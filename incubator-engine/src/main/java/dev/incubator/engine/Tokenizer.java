package dev.incubator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE as tokenizer.json describes it (GPT-2, the toolkit's tokenizers, Qwen2, Llama 3): special tokens
 * split out first, then the pre-tokenizer's regex, each piece's bytes mapped to GPT-2's printable characters and
 * merged by rank, and the merged symbols looked up in the vocabulary.
 */
public final class Tokenizer {
    /** GPT-2's pre-tokenizer (tokenizers' ByteLevel with use_regex). */
    static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    private static final char[] BYTE_CHAR = new char[256];
    private static final Map<Character, Integer> CHAR_BYTE = new HashMap<>();

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
            BYTE_CHAR[b] = printable ? (char) b : (char) (256 + extra++);
            CHAR_BYTE.put(BYTE_CHAR[b], b);
        }
    }

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final Map<String, Integer> ranks;
    private final Map<String, Integer> special;
    private final Pattern specialSplit;
    private final Pattern split;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private Tokenizer(Map<String, Integer> vocab, Map<String, Integer> ranks, Map<String, Integer> special,
                      Pattern split) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.special = special;
        this.split = split;
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (int id : special.values()) {
            size = Math.max(size, id + 1);
        }
        this.tokens = new String[size];
        vocab.forEach((token, id) -> tokens[id] = token);
        special.forEach((token, id) -> tokens[id] = token);
        this.specialSplit = special.isEmpty() ? null : Pattern.compile(String.join("|", special.keySet().stream()
                .sorted((a, b) -> b.length() - a.length()).map(Pattern::quote).toList()));
    }

    /** Reads tokenizer.json: a byte-level BPE model, with ByteLevel pre-tokenization (or a Split regex then it). */
    public static Tokenizer of(JsonNode json) {
        JsonNode model = json.path("model");
        if (!model.path("type").asText().equals("BPE")) {
            throw new IllegalArgumentException("tokenizer.json: model type " + model.path("type") + " is not BPE");
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(entry -> vocab.put(entry.getKey(), entry.getValue().asInt()));
        Map<String, Integer> ranks = new HashMap<>();
        int rank = 0;
        for (JsonNode merge : model.path("merges")) {
            String pair = merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText();
            ranks.putIfAbsent(pair, rank++);
        }
        Map<String, Integer> special = new HashMap<>();
        for (JsonNode added : json.path("added_tokens")) {
            special.put(added.path("content").asText(), added.path("id").asInt());
        }
        return new Tokenizer(vocab, ranks, special, preTokenizer(json.path("pre_tokenizer")));
    }

    private static Pattern preTokenizer(JsonNode node) {
        String type = node.path("type").asText();
        if (type.equals("ByteLevel")) {
            return GPT2;
        }
        if (type.equals("Sequence")) {
            for (JsonNode step : node.path("pretokenizers")) {
                if (step.path("type").asText().equals("Split") && step.path("pattern").has("Regex")) {
                    return Pattern.compile(step.path("pattern").path("Regex").asText());
                }
            }
            return GPT2;
        }
        throw new IllegalArgumentException("tokenizer.json: pre_tokenizer " + type + " is not byte-level");
    }

    public int vocabSize() {
        return tokens.length;
    }

    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        int at = 0;
        if (specialSplit != null) {
            Matcher matcher = specialSplit.matcher(text);
            while (matcher.find()) {
                encodeOrdinary(text.substring(at, matcher.start()), ids);
                ids.add(special.get(matcher.group()));
                at = matcher.end();
            }
        }
        encodeOrdinary(text.substring(at), ids);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeOrdinary(String text, List<Integer> ids) {
        Matcher matcher = split.matcher(text);
        while (matcher.find()) {
            for (int id : cache.computeIfAbsent(matcher.group(), this::bpe)) {
                ids.add(id);
            }
        }
    }

    /** One pre-tokenized piece: its bytes as symbols, merged by rank until no known pair is left. */
    private int[] bpe(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        List<String> symbols = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            symbols.add(String.valueOf(BYTE_CHAR[b & 0xff]));
        }
        while (symbols.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(symbols.get(i));
            if (id == null) {
                throw new IllegalArgumentException("tokenizer.json has no token for '" + symbols.get(i) + "'");
            }
            ids[i] = id;
        }
        return ids;
    }

    /** The text of token ids; bytes that do not form UTF-8 yet (a character cut between tokens) become U+FFFD. */
    public String decode(int[] ids) {
        return new String(bytes(ids), StandardCharsets.UTF_8);
    }

    /** The raw bytes of token ids (special tokens as their text). */
    public byte[] bytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            String token = id >= 0 && id < tokens.length ? tokens[id] : null;
            if (token == null) {
                throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + tokens.length);
            }
            if (special.containsKey(token)) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                continue;
            }
            for (char c : token.toCharArray()) {
                Integer b = CHAR_BYTE.get(c);
                if (b == null) {
                    out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                } else {
                    out.write(b);
                }
            }
        }
        return out.toByteArray();
    }

    /** The id of a special token such as <|endoftext|>, if the tokenizer has it. */
    public java.util.OptionalInt special(String token) {
        Integer id = special.get(token);
        return id == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(id);
    }
}
