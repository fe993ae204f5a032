package dev.incubator.notify.webhook;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

/** Sends one webhook request; the server's adapter speaks HTTP. */
public interface WebhookTransport {
    /** POSTs {@code body} as JSON with the headers; returns the HTTP status. */
    int post(URI url, Map<String, String> headers, byte[] body) throws IOException;
}
