package dev.incubator.server.api;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.hub.HubService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a repository file: HEAD or GET, one byte range ({@code Range: bytes=a-b}, {@code a-}, {@code -n}) with
 * 206 and Content-Range, 416 for a range outside the file, and 304 for a matching {@code If-None-Match}.
 */
final class Downloads {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

    private Downloads() {
    }

    static Streamed serve(HubService hub, HubService.Download download, String etag, Map<String, String> headers) {
        return context -> {
            long size = download.entry().size();
            headers.forEach(context::header);
            context.header("ETag", "\"" + etag + "\"");
            context.header("Accept-Ranges", "bytes");
            context.header("Content-Disposition", "inline; filename*=UTF-8''" + java.net.URLEncoder.encode(
                    fileName(download.entry().path()), java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
            String ifNoneMatch = context.header("If-None-Match");
            if (ifNoneMatch != null && (ifNoneMatch.contains("\"" + etag + "\"") || ifNoneMatch.trim().equals(etag))) {
                context.status(304);
                return;
            }
            long from = 0;
            long to = size;
            String range = context.header("Range");
            if (range != null && !range.isBlank()) {
                Matcher matcher = RANGE.matcher(range.trim());
                if (!matcher.matches() || (matcher.group(1).isEmpty() && matcher.group(2).isEmpty())) {
                    throw IncubatorException.validation("Range", "must be one range such as 'bytes=0-1023', not '"
                            + range + "'");
                }
                if (matcher.group(1).isEmpty()) {
                    from = Math.max(0, size - Long.parseLong(matcher.group(2)));
                } else {
                    from = Long.parseLong(matcher.group(1));
                    to = matcher.group(2).isEmpty() ? size : Math.min(size, Long.parseLong(matcher.group(2)) + 1);
                }
                if (from >= size || from >= to) {
                    context.header("Content-Range", "bytes */" + size);
                    throw new IncubatorException(ErrorCode.RANGE_NOT_SATISFIABLE, "range '" + range + "' is outside "
                            + download.entry().path() + " of " + size + " bytes");
                }
                context.status(206);
                context.header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + size);
            } else {
                context.status(200);
            }
            context.contentType("application/octet-stream");
            context.header("Content-Length", Long.toString(to - from));
            if (context.method() == HandlerType.HEAD) {
                return;
            }
            OutputStream out = new BufferedOutputStream(context.res().getOutputStream(), 1 << 16);
            hub.copy(download, from, to, out);
            out.flush();
        };
    }

    /**
     * Headers that pass a read's terms on to the reader: the agreement it was made under, and what the reader took
     * on with it (e.g. "no-redistribution; attribution: Cite Hospital 2026").
     */
    static Map<String, String> terms(dev.incubator.common.access.Decision decision) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        decision.agreement().ifPresent(agreement -> headers.put("X-Incubator-Agreement", agreement));
        if (!decision.obligations().isEmpty()) {
            headers.put("X-Incubator-Terms", ascii(String.join("; ", decision.obligations())));
        }
        return headers;
    }

    /** Header values are ASCII: other characters (and '%') are percent-encoded as UTF-8, the rest kept readable. */
    static String ascii(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String fileName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
