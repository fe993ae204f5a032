package dev.incubator.server.console;

import java.util.List;
import java.util.Locale;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Link;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.UrlSanitizer;

/**
 * A repository's README as the console shows it: CommonMark with GitHub's tables. HTML written in the README is shown
 * as text, never run; links keep only http(s), mailto and relative addresses (relative ones name the repository's
 * files), images only http(s) and inline raster data; links leaving the console get rel="nofollow noopener".
 */
final class Markdown {
    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();

    private Markdown() {
    }

    /** HTML for {@code markdown}; a relative link to a file becomes {@code filePrefix} + its path. */
    static String html(String markdown, String filePrefix) {
        HtmlRenderer renderer = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).sanitizeUrls(true)
                .urlSanitizer(new Sanitizer(filePrefix))
                .attributeProviderFactory(context -> (node, tag, attributes) -> {
                    if (node instanceof Link && attributes.getOrDefault("href", "").matches("(?i)^(https?|mailto):.*")) {
                        attributes.put("rel", "nofollow noopener noreferrer");
                    }
                })
                .build();
        return renderer.render(PARSER.parse(markdown));
    }

    private record Sanitizer(String filePrefix) implements UrlSanitizer {
        @Override
        public String sanitizeLinkUrl(String url) {
            String trimmed = url.strip();
            String lower = trimmed.toLowerCase(Locale.ROOT);
            if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("mailto:")
                    || trimmed.startsWith("#")) {
                return trimmed;
            }
            return relative(trimmed);
        }

        @Override
        public String sanitizeImageUrl(String url) {
            String trimmed = url.strip();
            String lower = trimmed.toLowerCase(Locale.ROOT);
            if (lower.startsWith("https://") || lower.startsWith("http://")
                    || lower.matches("^data:image/(png|jpeg|gif|webp);base64,[a-z0-9+/=\\s]*$")) {
                return trimmed;
            }
            return "";
        }

        /** A path inside the repository (no scheme, no way out of it), or nothing. */
        private String relative(String url) {
            String path = url.startsWith("./") ? url.substring(2) : url;
            int cut = path.indexOf('#');
            path = cut < 0 ? path : path.substring(0, cut);
            if (path.isEmpty() || path.contains(":") || path.startsWith("/") || path.contains("\\")
                    || List.of(path.split("/")).contains("..")) {
                return "";
            }
            return filePrefix + path;
        }
    }
}
