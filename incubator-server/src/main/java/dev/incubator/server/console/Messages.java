package dev.incubator.server.console;

import io.javalin.http.Context;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;

/**
 * The console's words in one language: Simplified Chinese or English, from the language cookie, else the browser's
 * Accept-Language. Every string a page shows comes from the bundles {@code messages_en} and {@code messages_zh}
 * (they hold the same keys; a test checks).
 */
final class Messages {
    static final String BUNDLE = "dev.incubator.server.console.messages";
    private static final Map<String, Messages> LOADED = new HashMap<>();

    private final String language;
    private final Map<String, String> words;

    private Messages(String language, Map<String, String> words) {
        this.language = language;
        this.words = Collections.unmodifiableMap(words);
    }

    static synchronized Messages of(String language) {
        return LOADED.computeIfAbsent(language, key -> {
            ResourceBundle bundle = ResourceBundle.getBundle(BUNDLE, key.equals("zh") ? Locale.SIMPLIFIED_CHINESE
                    : Locale.ENGLISH, ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control
                    .FORMAT_PROPERTIES));
            Map<String, String> words = new HashMap<>();
            for (String name : bundle.keySet()) {
                words.put(name, bundle.getString(name));
            }
            return new Messages(key, words);
        });
    }

    static Messages of(Context ctx) {
        String chosen = ctx.cookie(Console.LANGUAGE_COOKIE);
        if ("zh".equals(chosen) || "en".equals(chosen)) {
            return of(chosen);
        }
        String accept = Optional.ofNullable(ctx.header("Accept-Language")).orElse("");
        for (Locale.LanguageRange range : parse(accept)) {
            String tag = range.getRange().toLowerCase(Locale.ROOT);
            if (tag.startsWith("zh")) {
                return of("zh");
            }
            if (tag.startsWith("en")) {
                return of("en");
            }
        }
        return of("en");
    }

    private static java.util.List<Locale.LanguageRange> parse(String accept) {
        try {
            return Locale.LanguageRange.parse(accept.isBlank() ? "en" : accept);
        } catch (IllegalArgumentException e) {
            return java.util.List.of();
        }
    }

    String language() {
        return language;
    }

    String get(String key) {
        String word = words.get(key);
        if (word == null) {
            throw new IllegalStateException("no console message '" + key + "' in " + language);
        }
        return word;
    }

    String getOrDefault(String key, String fallback) {
        return words.getOrDefault(key, fallback);
    }

    /** Every key with '.' as '_' (Mustache reads dots as nesting): {@code {{t.home_title}}}. */
    Map<String, String> all() {
        Map<String, String> flat = new HashMap<>();
        words.forEach((key, value) -> flat.put(key.replace('.', '_'), value));
        return flat;
    }
}
