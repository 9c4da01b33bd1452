package dev.latchkey.broker.catalog;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Validates one catalog entry against {@code catalog/provider.schema.json} (JSON Schema draft 2020-12) and turns
 * the validator's errors into field-level messages: a JSON pointer into the entry and a short sentence.
 */
final class CatalogSchema {

    static final String RESOURCE = "catalog/provider.schema.json";

    private final Schema schema;

    private CatalogSchema(Schema schema) {
        this.schema = schema;
    }

    static CatalogSchema load() {
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .pathType(PathType.JSON_POINTER)
                .formatAssertionsEnabled(true)
                .build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(config));
        try (InputStream in = CatalogSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return new CatalogSchema(registry.getSchema(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pointer and message per problem, deduplicated, in the validator's order. */
    List<FieldError> validate(JsonNode entry) {
        Set<FieldError> errors = new LinkedHashSet<>();
        for (Error error : schema.validate(entry)) {
            errors.add(toFieldError(error));
        }
        return new ArrayList<>(errors);
    }

    record FieldError(String pointer, String message) {
    }

    private static FieldError toFieldError(Error error) {
        String pointer = pointerOf(error.getInstanceLocation());
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        String property = error.getProperty();
        String schemaLocation = String.valueOf(error.getSchemaLocation());
        return switch (keyword) {
            case "additionalProperties", "unevaluatedProperties" ->
                    new FieldError(child(pointer, property), "unknown field");
            case "required" -> new FieldError(child(pointer, property), "is required");
            case "propertyNames" -> new FieldError(pointer, property == null
                    ? "has a field with an invalid name"
                    : "field name '" + property + "' is not allowed");
            case "pattern" -> new FieldError(pointer, schemaLocation.contains("urlTemplate")
                    ? "must be an https URL template"
                    : "has an invalid format");
            default -> new FieldError(pointer, stripLocation(error.getMessage(), pointer));
        };
    }

    private static String pointerOf(NodePath path) {
        if (path == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            out.append('/').append(JsonPointers.escape(String.valueOf(path.getElement(i))));
        }
        return out.toString();
    }

    private static String child(String pointer, String property) {
        return property == null ? pointer : pointer + "/" + JsonPointers.escape(property);
    }

    /** The validator prefixes messages with the instance location; the violation already carries it. */
    private static String stripLocation(String message, String pointer) {
        if (message == null) {
            return "is invalid";
        }
        String trimmed = message;
        int colon = trimmed.indexOf(": ");
        if (colon >= 0 && (trimmed.startsWith("/") || trimmed.startsWith(pointer) || colon < 2)) {
            trimmed = trimmed.substring(colon + 2);
        }
        return trimmed;
    }
}
