package dev.incubator.server.api;

import io.javalin.http.Context;
import java.io.IOException;

/** A response the handler writes itself (file downloads): status, headers and a streamed body. */
@FunctionalInterface
public interface Streamed {
    void write(Context context) throws IOException;
}
