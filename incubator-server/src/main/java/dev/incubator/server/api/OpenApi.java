package dev.incubator.server.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the OpenAPI 3.1 document from the declared routes, their body specs and their response records. */
public final class OpenApi {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private OpenApi() {
    }

    public static ObjectNode document(List<ApiRoute> routes, String version) {
        ObjectNode root = NODES.objectNode();
        root.put("openapi", "3.1.0");
        ObjectNode info = root.putObject("info");
        info.put("title", "Incubator API");
        info.put("version", version);
        info.put("description", "Compute grants, tenancy and governance of a foundation-model incubator. Errors are "
                + "RFC 9457 problem details (application/problem+json) with a stable 'code'.");
        root.putObject("components").putObject("securitySchemes").putObject("bearer")
                .put("type", "http").put("scheme", "bearer");
        Map<String, ObjectNode> schemas = new TreeMap<>();
        schemas.put("Problem", schema(Problems.Problem.class, schemas));
        ObjectNode paths = root.putObject("paths");
        for (ApiRoute route : routes) {
            String path = route.path();
            ObjectNode item = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
            item.set(route.method().name().toLowerCase(Locale.ROOT), operation(route, schemas));
        }
        ObjectNode components = (ObjectNode) root.get("components");
        ObjectNode schemaNode = components.putObject("schemas");
        schemas.forEach(schemaNode::set);
        return root;
    }

    private static ObjectNode operation(ApiRoute route, Map<String, ObjectNode> schemas) {
        ObjectNode operation = NODES.objectNode();
        operation.put("operationId", route.operationId());
        operation.put("summary", route.summary());
        operation.putArray("tags").add(route.tag());
        if (route.authenticated()) {
            operation.putArray("security").addObject().putArray("bearer");
        } else {
            operation.putArray("security");
        }
        ArrayNode parameters = operation.putArray("parameters");
        Matcher matcher = PATH_PARAM.matcher(route.path());
        while (matcher.find()) {
            parameters.addObject().put("name", matcher.group(1)).put("in", "path").put("required", true)
                    .putObject("schema").put("type", "string");
        }
        for (ApiRoute.QueryParam query : route.query()) {
            parameters.addObject().put("name", query.name()).put("in", "query").put("required", false)
                    .put("description", query.description()).putObject("schema").put("type", "string");
        }
        if (route.idempotent()) {
            parameters.addObject().put("name", "Idempotency-Key").put("in", "header").put("required", false)
                    .put("description", "Retrying with the same key and body returns the first response")
                    .putObject("schema").put("type", "string");
        }
        if (route.conditional()) {
            parameters.addObject().put("name", "If-Match").put("in", "header").put("required", false)
                    .put("description", "The ETag last read; the change fails with 412 if the resource changed")
                    .putObject("schema").put("type", "string");
        }
        route.body().ifPresent(body -> {
            schemas.put(body.schemaName(), bodySchema(body));
            operation.putObject("requestBody").put("required", true).putObject("content")
                    .putObject("application/json").putObject("schema")
                    .put("$ref", "#/components/schemas/" + body.schemaName());
        });
        ObjectNode responses = operation.putObject("responses");
        ObjectNode success = responses.putObject(Integer.toString(route.successStatus()));
        success.put("description", "success");
        route.response().ifPresent(type -> {
            ObjectNode schema = success.putObject("content").putObject(type == Raw.class ? "text/plain" : "application/json")
                    .putObject("schema");
            if (type == Raw.class) {
                schema.put("type", "string");
            } else if (route.paged()) {
                schema.put("type", "object");
                ObjectNode properties = schema.putObject("properties");
                properties.putObject("items").put("type", "array").set("items", reference(type, schemas));
                properties.putObject("next_cursor").putArray("type").add("string").add("null");
                schema.putArray("required").add("items").add("next_cursor");
            } else {
                schema.setAll(reference(type, schemas));
            }
        });
        ObjectNode problem = NODES.objectNode();
        problem.putObject("content").putObject(Problems.CONTENT_TYPE).putObject("schema")
                .put("$ref", "#/components/schemas/Problem");
        problem.put("description", "problem details");
        responses.set("default", problem);
        return operation;
    }

    private static ObjectNode bodySchema(BodySpec body) {
        ObjectNode schema = NODES.objectNode().put("type", "object").put("additionalProperties", false);
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (BodySpec.Field field : body.fields()) {
            ObjectNode property = properties.putObject(field.name());
            property.put("description", field.description());
            switch (field.type()) {
                case STRING -> {
                    property.put("type", "string");
                    if (!field.allowed().isEmpty()) {
                        ArrayNode values = property.putArray("enum");
                        field.allowed().forEach(values::add);
                    }
                }
                case INTEGER -> property.put("type", "integer");
                case NUMBER -> property.put("type", "number");
                case BOOLEAN -> property.put("type", "boolean");
                case DATE -> property.put("type", "string").put("format", "date");
                case STRING_LIST -> {
                    property.put("type", "array");
                    ObjectNode items = property.putObject("items").put("type", "string");
                    if (!field.allowed().isEmpty()) {
                        ArrayNode values = items.putArray("enum");
                        field.allowed().forEach(values::add);
                    }
                }
                case NUMBER_MAP -> property.put("type", "object").putObject("additionalProperties").put("type", "number");
                case STRING_MAP -> property.put("type", "object").putObject("additionalProperties").put("type", "string");
            }
            if (field.required()) {
                required.add(field.name());
            }
        }
        return schema;
    }

    private static ObjectNode reference(Class<?> type, Map<String, ObjectNode> schemas) {
        if (!schemas.containsKey(type.getSimpleName())) {
            schemas.put(type.getSimpleName(), NODES.objectNode()); // placeholder against recursion
            schemas.put(type.getSimpleName(), schema(type, schemas));
        }
        return NODES.objectNode().put("$ref", "#/components/schemas/" + type.getSimpleName());
    }

    private static ObjectNode schema(Class<?> record, Map<String, ObjectNode> schemas) {
        ObjectNode schema = NODES.objectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (RecordComponent component : record.getRecordComponents()) {
            String name = SNAKE.translate(component.getName());
            properties.set(name, typeSchema(component.getGenericType(), schemas));
            required.add(name);
        }
        return schema;
    }

    private static ObjectNode typeSchema(Type type, Map<String, ObjectNode> schemas) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type[] arguments = parameterized.getActualTypeArguments();
            if (raw == Optional.class) {
                ObjectNode inner = typeSchema(arguments[0], schemas);
                if (inner.has("type") && inner.get("type").isTextual()) {
                    String single = inner.get("type").asText();
                    inner.putArray("type").add(single).add("null");
                    return inner;
                }
                ObjectNode anyOf = NODES.objectNode();
                anyOf.putArray("anyOf").add(inner).addObject().put("type", "null");
                return anyOf;
            }
            if (List.class.isAssignableFrom(raw)) {
                ObjectNode array = NODES.objectNode().put("type", "array");
                array.set("items", typeSchema(arguments[0], schemas));
                return array;
            }
            if (Map.class.isAssignableFrom(raw)) {
                ObjectNode map = NODES.objectNode().put("type", "object");
                map.set("additionalProperties", typeSchema(arguments[1], schemas));
                return map;
            }
        }
        Class<?> clazz = (Class<?>) type;
        if (clazz == String.class) {
            return NODES.objectNode().put("type", "string");
        }
        if (clazz == int.class || clazz == long.class || clazz == Integer.class || clazz == Long.class) {
            return NODES.objectNode().put("type", "integer");
        }
        if (clazz == BigDecimal.class || clazz == double.class || clazz == Double.class) {
            return NODES.objectNode().put("type", "number");
        }
        if (clazz == boolean.class || clazz == Boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (clazz == Instant.class) {
            return NODES.objectNode().put("type", "string").put("format", "date-time");
        }
        if (clazz == LocalDate.class) {
            return NODES.objectNode().put("type", "string").put("format", "date");
        }
        if (clazz.isEnum()) {
            ObjectNode schema = NODES.objectNode().put("type", "string");
            ArrayNode values = schema.putArray("enum");
            Arrays.stream(clazz.getEnumConstants()).forEach(value ->
                    values.add(((Enum<?>) value).name().toLowerCase(Locale.ROOT)));
            return schema;
        }
        if (clazz.isRecord()) {
            return reference(clazz, schemas);
        }
        if (clazz == Object.class) {
            return NODES.objectNode(); // any JSON value (e.g. an audit event's canonical fields)
        }
        throw new IllegalArgumentException("no OpenAPI mapping for " + type);
    }
}
