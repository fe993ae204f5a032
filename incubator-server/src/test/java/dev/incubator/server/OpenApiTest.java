package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenApiTest {
    @TempDir
    Path dataDir;

    private TestServer server;
    private JsonNode document;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        document = server.get("/api/v1/openapi.json").expect(200);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyRegisteredEndpointIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (String endpoint : server.server().registeredEndpoints()) {
            String[] parts = endpoint.split(" ", 2);
            if (parts[1].equals("/") || parts[1].startsWith("/console")) {
                continue; // the web console's pages, not the API (docs/console.md)
            }
            JsonNode operation = document.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
            if (operation.isMissingNode()) {
                missing.add(endpoint);
            }
        }
        assertThat(server.server().registeredEndpoints()).hasSizeGreaterThan(25);
        assertThat(missing).as("routes registered with the server but absent from openapi.json").isEmpty();
    }

    @Test
    void theDocumentIsOpenApi31AndEveryReferenceResolves() {
        assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
        List<String> references = document.findValuesAsText("$ref");
        assertThat(references).isNotEmpty();
        for (String reference : references) {
            String name = reference.substring("#/components/schemas/".length());
            assertThat(document.path("components").path("schemas").has(name)).as(reference).isTrue();
        }
    }

    @Test
    void requestSchemasForbidUnknownFieldsAndListRequiredOnes() {
        JsonNode schema = document.path("components").path("schemas").path("CreateOrganisation");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("required").toString()).contains("name", "display_name", "kind");
        assertThat(schema.path("properties").path("kind").path("enum").toString()).contains("startup", "university");
    }
}
