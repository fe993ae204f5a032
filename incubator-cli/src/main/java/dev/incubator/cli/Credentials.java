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
 * Where the CLI finds the server and its token: {@code INCUBATOR_URL} / {@code INCUBATOR_TOKEN}, else a profile of
 * the file written by {@code incubator login} ({@code $XDG_CONFIG_HOME/incubator/credentials.json}, by default under
 * {@code ~/.config}, readable only by its owner). The profile is {@code --profile}, else {@code INCUBATOR_PROFILE},
 * else the one logged in last; an operator and a member keep one each and switch with {@code --profile}. A profile
 * may name a default organisation ({@code login --org}; {@code INCUBATOR_ORG} overrides it) for the commands that
 * act on one organisation when none is named.
 */
record Credentials(URI url, Optional<String> token, Optional<String> organisation) {
    Credentials(URI url, Optional<String> token) {
        this(url, token, Optional.empty());
    }

    static final String DEFAULT_URL = "http://127.0.0.1:8420";
    static final String DEFAULT_PROFILE = "default";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path file(Map<String, String> environment) {
        String config = environment.get("XDG_CONFIG_HOME");
        Path base = config != null && !config.isBlank() ? Path.of(config)
                : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("incubator").resolve("credentials.json");
    }

    static Credentials resolve(Map<String, String> environment) {
        return resolve(environment, Optional.empty());
    }

    /** With {@code profile} (from --profile) taking precedence over INCUBATOR_PROFILE and the current profile. */
    static Credentials resolve(Map<String, String> environment, Optional<String> profile) {
        Optional<String> chosen = profile.or(() -> Optional.ofNullable(environment.get("INCUBATOR_PROFILE"))
                .filter(value -> !value.isBlank()));
        Path file = file(environment);
        Optional<Credentials> stored = load(file, chosen);
        if (chosen.isPresent() && stored.isEmpty() && environment.get("INCUBATOR_TOKEN") == null) {
            throw new CliException("no profile '" + chosen.get() + "' in " + file + ": run 'incubator login --profile "
                    + chosen.get() + " --url URL --token-file FILE'");
        }
        String url = Optional.ofNullable(environment.get("INCUBATOR_URL")).filter(v -> !v.isBlank())
                .orElse(stored.map(c -> c.url().toString()).orElse(DEFAULT_URL));
        Optional<String> token = Optional.ofNullable(environment.get("INCUBATOR_TOKEN")).filter(v -> !v.isBlank())
                .or(() -> stored.flatMap(Credentials::token));
        Optional<String> organisation = Optional.ofNullable(environment.get("INCUBATOR_ORG")).filter(v -> !v.isBlank())
                .or(() -> stored.flatMap(Credentials::organisation));
        return new Credentials(parseUrl(url), token, organisation);
    }

    /** The organisation named on the command line, else the default one, else an error that says how to set it. */
    String organisation(String named) {
        if (named != null && !named.isBlank()) {
            return named;
        }
        return organisation.orElseThrow(() -> new CliException("name the organisation, or set a default one with"
                + " 'incubator login --org NAME' (or INCUBATOR_ORG)"));
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
        return load(file, Optional.empty());
    }

    /** The named profile, or the current one; a file of the older flat form is the default profile. */
    static Optional<Credentials> load(Path file, Optional<String> profile) {
        JsonNode json = read(file);
        if (json == null) {
            return Optional.empty();
        }
        JsonNode entry;
        if (json.has("profiles")) {
            String name = profile.orElse(json.path("current").asText(DEFAULT_PROFILE));
            entry = json.path("profiles").path(name);
            if (entry.isMissingNode()) {
                return Optional.empty();
            }
        } else {
            if (profile.isPresent() && !profile.get().equals(DEFAULT_PROFILE)) {
                return Optional.empty();
            }
            entry = json;
        }
        return Optional.of(entry(entry));
    }

    /** The profiles in the file, and which is current. */
    static Map<String, Credentials> profiles(Path file) {
        JsonNode json = read(file);
        Map<String, Credentials> profiles = new java.util.TreeMap<>();
        if (json == null) {
            return profiles;
        }
        if (!json.has("profiles")) {
            load(file).ifPresent(credentials -> profiles.put(DEFAULT_PROFILE, credentials));
            return profiles;
        }
        json.path("profiles").fields().forEachRemaining(entry -> profiles.put(entry.getKey(), entry(entry.getValue())));
        return profiles;
    }

    private static Credentials entry(JsonNode entry) {
        return new Credentials(parseUrl(entry.path("url").asText(DEFAULT_URL)),
                Optional.ofNullable(entry.path("token").textValue()),
                Optional.ofNullable(entry.path("organisation").textValue()));
    }

    static String current(Path file) {
        JsonNode json = read(file);
        return json == null ? DEFAULT_PROFILE : json.path("current").asText(DEFAULT_PROFILE);
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CliException("could not read " + file + ": " + e.getMessage() + "; run 'incubator login' again");
        }
    }

    void save(Path file) {
        save(file, DEFAULT_PROFILE);
    }

    /** Saves these credentials as {@code profile}, which becomes the current one; other profiles are kept. */
    void save(Path file, String profile) {
        try {
            ObjectNode json = JSON.createObjectNode();
            ObjectNode profiles = json.put("current", profile).putObject("profiles");
            profiles(file).forEach((name, credentials) -> {
                ObjectNode entry = profiles.putObject(name).put("url", credentials.url().toString());
                credentials.token().ifPresent(value -> entry.put("token", value));
                credentials.organisation().ifPresent(value -> entry.put("organisation", value));
            });
            ObjectNode entry = profiles.putObject(profile).put("url", url.toString());
            token.ifPresent(value -> entry.put("token", value));
            organisation.ifPresent(value -> entry.put("organisation", value));
            dev.incubator.common.io.SecretFiles.write(file, JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new CliException("could not save credentials to " + file + ": " + e.getMessage());
        }
    }
}
