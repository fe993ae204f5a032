package dev.incubator.server.api;

/** A non-JSON response body, such as Prometheus text. */
public record Raw(int status, String contentType, String body) {
}
