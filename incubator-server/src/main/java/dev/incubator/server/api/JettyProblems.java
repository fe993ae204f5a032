package dev.incubator.server.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own refusals (a malformed request line or URI, an ambiguous path, headers too large) answered as RFC 9457
 * problem details like every other error, instead of Jetty's HTML page.
 */
final class JettyProblems extends ErrorHandler {
    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int status = response.getStatus() >= 400 ? response.getStatus() : 400;
        String reason = baseRequest.getResponse().getReason();
        byte[] body = body(status, reason);
        response.setStatus(status);
        response.setContentType(Problems.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        baseRequest.setHandled(true);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE));
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int status, String reason) {
        String code = status == 413 || status == 431 ? "payload_too_large" : status == 404 ? "route_not_found"
                : "malformed_request";
        String detail = (reason == null || reason.isBlank() ? "the request could not be parsed" : reason)
                .replace("\\", "\\\\").replace("\"", "'");
        return ("{\"type\":\"/problems/" + code.replace('_', '-') + "\",\"title\":\"Malformed request\",\"status\":"
                + status + ",\"detail\":\"" + detail + "; check the request line, the URL's %-escapes and the headers\""
                + ",\"code\":\"" + code + "\"}").getBytes(StandardCharsets.UTF_8);
    }
}
