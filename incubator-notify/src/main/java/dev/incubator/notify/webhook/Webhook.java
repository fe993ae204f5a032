package dev.incubator.notify.webhook;

import static java.util.Objects.requireNonNull;

import java.net.URI;

/** The operator's webhook: where notices go, the secret that signs them, and how failures are retried. */
public record Webhook(URI url, WebhookSigner signer, Backoff backoff) {
    public Webhook {
        requireNonNull(url, "url is null");
        requireNonNull(signer, "signer is null");
        requireNonNull(backoff, "backoff is null");
    }
}
