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
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

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

    private static String fileName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
