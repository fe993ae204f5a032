package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the CLI finds the server and its token: {@code INCUBATOR_URL} / {@code INCUBATOR_TOKEN}, else the file
 * written by {@code incubator login} ({@code $XDG_CONFIG_HOME/incubator/credentials.json}, by default under
 * {@code ~/.config}), readable only by its owner.
 */
record Credentials(URI url, Optional<String> token) {
    static final String DEFAULT_URL = "http://127.0.0.1:8420";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path file(Map<String, String> environment) {
        String config = environment.get("XDG_CONFIG_HOME");
        Path base = config != null && !config.isBlank() ? Path.of(config)
                : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("incubator").resolve("credentials.json");
    }

    static Credentials resolve(Map<String, String> environment) {
        Optional<Credentials> stored = load(file(environment));
        String url = Optional.ofNullable(environment.get("INCUBATOR_URL")).filter(v -> !v.isBlank())
                .orElse(stored.map(c -> c.url().toString()).orElse(DEFAULT_URL));
        Optional<String> token = Optional.ofNullable(environment.get("INCUBATOR_TOKEN")).filter(v -> !v.isBlank())
                .or(() -> stored.flatMap(Credentials::token));
        return new Credentials(parseUrl(url), token);
    }

    static URI parseUrl(String url) {
        try {
            URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new CliException("'" + url + "' is not an http(s) URL such as " + DEFAULT_URL);
        }
    }

    static Optional<Credentials> load(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode json = JSON.readTree(file.toFile());
            return Optional.of(new Credentials(parseUrl(json.path("url").asText(DEFAULT_URL)),
                    Optional.ofNullable(json.path("token").textValue())));
        } catch (IOException e) {
            throw new CliException("could not read " + file + ": " + e.getMessage() + "; run 'incubator login' again");
        }
    }

    void save(Path file) {
        try {
            ObjectNode json = JSON.createObjectNode().put("url", url.toString());
            token.ifPresent(value -> json.put("token", value));
            dev.incubator.common.io.SecretFiles.write(file, JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new CliException("could not save credentials to " + file + ": " + e.getMessage());
        }
    }
}
