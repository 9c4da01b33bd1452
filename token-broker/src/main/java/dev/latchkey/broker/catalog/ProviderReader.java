package dev.latchkey.broker.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Builds a {@link Provider} from an entry that passed the schema and {@link ProviderChecks}, applying defaults. */
final class ProviderReader {

    private ProviderReader() {
    }

    static Provider read(String id, JsonNode entry) {
        AuthMode mode = AuthMode.fromWire(entry.get("authMode").asString());
        return new Provider(
                id,
                entry.get("displayName").asString(),
                mode,
                optionalText(entry, "docs"),
                entry.path("allowInsecureForTesting").asBoolean(false),
                connectionParameters(entry.path("connectionParameters")),
                template(entry, "issuer"),
                urls(entry.path("urls")),
                authorize(entry.path("authorize")),
                tokenRequest(entry.path("tokenRequest")),
                tokenResponse(entry.path("tokenResponse")),
                metadata(entry.path("metadata")),
                expiry(entry.path("expiry"), mode),
                refreshToken(entry.path("refreshToken")),
                revocation(entry.get("revocation")),
                errors(entry.path("errors")),
                rateLimit(entry.get("rateLimit")),
                apiKey(entry.get("apiKey")));
    }

    private static Map<String, ConnectionParameter> connectionParameters(JsonNode node) {
        Map<String, ConnectionParameter> parameters = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            JsonNode value = field.getValue();
            parameters.put(field.getKey(), new ConnectionParameter(field.getKey(),
                    Pattern.compile(value.get("pattern").asString()), optionalText(value, "description"),
                    optionalText(value, "default"), optionalText(value, "example")));
        }
        return parameters;
    }

    private static ProviderUrls urls(JsonNode node) {
        return new ProviderUrls(template(node, "authorize"), template(node, "token"), template(node, "refresh"),
                template(node, "revoke"), template(node, "api"));
    }

    private static UrlTemplate template(JsonNode node, String field) {
        String text = optionalText(node, field);
        return text == null ? null : UrlTemplate.parse(text);
    }

    private static AuthorizeSettings authorize(JsonNode node) {
        AuthorizeSettings d = AuthorizeSettings.defaults();
        return new AuthorizeSettings(
                text(node, "scopeSeparator", d.scopeSeparator()),
                text(node, "scopeParam", d.scopeParam()),
                node.has("defaultScopes") ? strings(node.get("defaultScopes")) : d.defaultScopes(),
                stringMap(node.path("extraParams")),
                node.has("pkce") ? PkceMethod.fromWire(node.get("pkce").asString()) : d.pkce(),
                node.path("issParameterSupported").asBoolean(d.issParameterSupported()));
    }

    private static TokenRequestSettings tokenRequest(JsonNode node) {
        TokenRequestSettings d = TokenRequestSettings.defaults();
        return new TokenRequestSettings(
                node.has("clientAuth") ? ClientAuthMethod.fromWire(node.get("clientAuth").asString()) : d.clientAuth(),
                node.has("bodyFormat") ? BodyFormat.fromWire(node.get("bodyFormat").asString()) : d.bodyFormat(),
                stringMap(node.path("headers")),
                stringMap(node.path("extraParams")),
                stringMap(node.path("refreshExtraParams")),
                node.path("scopeOnExchange").asBoolean(d.scopeOnExchange()),
                node.path("scopeOnRefresh").asBoolean(d.scopeOnRefresh()));
    }

    private static TokenResponseMapping tokenResponse(JsonNode node) {
        TokenResponseMapping d = TokenResponseMapping.defaults();
        return new TokenResponseMapping(
                node.has("roots") ? strings(node.get("roots")) : d.roots(),
                text(node, "accessToken", d.accessToken()),
                text(node, "refreshToken", d.refreshToken()),
                text(node, "expiresIn", d.expiresIn()),
                text(node, "refreshTokenExpiresIn", d.refreshTokenExpiresIn()),
                text(node, "scope", d.scope()),
                text(node, "tokenType", d.tokenType()));
    }

    private static Map<String, MetadataField> metadata(JsonNode node) {
        Map<String, MetadataField> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            JsonNode value = field.getValue();
            String pattern = optionalText(value, "pattern");
            fields.put(field.getKey(), new MetadataField(field.getKey(),
                    MetadataField.Source.fromWire(value.get("from").asString()), optionalText(value, "pointer"),
                    optionalText(value, "param"), pattern == null ? null : Pattern.compile(pattern)));
        }
        return fields;
    }

    private static ExpiryPolicy expiry(JsonNode node, AuthMode mode) {
        if (node.isMissingNode()) {
            // API keys and passwords do not expire on a schedule.
            return mode == AuthMode.OAUTH2
                    ? ExpiryPolicy.defaults()
                    : new ExpiryPolicy(ExpiryPolicy.Kind.NEVER, ExpirySource.UNKNOWN, null, Duration.ZERO);
        }
        ExpiryPolicy.Kind kind = ExpiryPolicy.Kind.fromWire(node.get("policy").asString());
        ExpirySource whenAbsent = node.has("whenAbsent") && node.get("whenAbsent").asString().equals("never")
                ? ExpirySource.NEVER
                : ExpirySource.UNKNOWN;
        Duration fixed = node.has("lifetimeSeconds") ? Duration.ofSeconds(node.get("lifetimeSeconds").asLong()) : null;
        Duration skew = node.has("skewSeconds")
                ? Duration.ofSeconds(node.get("skewSeconds").asLong())
                : ExpiryPolicy.DEFAULT_SKEW;
        return new ExpiryPolicy(kind, whenAbsent, fixed, skew);
    }

    private static RefreshTokenPolicy refreshToken(JsonNode node) {
        return new RefreshTokenPolicy(
                node.path("rotates").asBoolean(false),
                seconds(node, "absoluteLifetimeSeconds"),
                seconds(node, "idleLifetimeSeconds"),
                node.has("maxActivePerUser") ? node.get("maxActivePerUser").asInt() : null);
    }

    private static Revocation revocation(JsonNode node) {
        if (node == null) {
            return null;
        }
        return new Revocation(
                HttpMethod.valueOf(text(node, "method", "POST")),
                Revocation.TokenKind.fromWire(node.get("token").asString()),
                Revocation.Placement.fromWire(node.get("placement").asString()),
                optionalText(node, "param"),
                optionalText(node, "headerName"),
                ClientAuthMethod.fromWire(text(node, "clientAuth", "none")),
                node.path("tokenTypeHint").asBoolean(false),
                stringMap(node.path("headers")));
    }

    private static ErrorClassification errors(JsonNode node) {
        ErrorClassification d = ErrorClassification.defaults();
        JsonNode signal = node.get("errorWhen");
        List<Pattern> patterns = new ArrayList<>();
        node.path("reauthDescriptionPatterns").forEach(p -> patterns.add(Pattern.compile(p.asString())));
        return new ErrorClassification(
                signal == null ? null : new ErrorClassification.ErrorSignal(signal.get("pointer").asString(),
                        signal.has("equals") ? signal.get("equals").asString() : null),
                node.has("codePointers") ? strings(node.get("codePointers")) : d.codePointers(),
                node.has("descriptionPointers") ? strings(node.get("descriptionPointers")) : d.descriptionPointers(),
                stringSet(node.path("reauthCodes")),
                stringSet(node.path("transientCodes")),
                patterns);
    }

    private static RateLimit rateLimit(JsonNode node) {
        if (node == null) {
            return null;
        }
        return new RateLimit(node.get("requests").asInt(), Duration.ofSeconds(node.get("windowSeconds").asLong()),
                RateLimit.Scope.fromWire(node.get("scope").asString()), optionalText(node, "note"));
    }

    private static ApiKeySettings apiKey(JsonNode node) {
        if (node == null) {
            return null;
        }
        return new ApiKeySettings(ApiKeySettings.Placement.fromWire(node.get("placement").asString()),
                node.get("name").asString(), text(node, "prefix", ""));
    }

    private static Duration seconds(JsonNode node, String field) {
        return node.has(field) ? Duration.ofSeconds(node.get(field).asLong()) : null;
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static String text(JsonNode node, String field, String fallback) {
        String value = optionalText(node, field);
        return value == null ? fallback : value;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>(array.size());
        array.forEach(item -> values.add(item.asString()));
        return values;
    }

    private static Set<String> stringSet(JsonNode array) {
        Set<String> values = new LinkedHashSet<>();
        array.forEach(item -> values.add(item.asString()));
        return values;
    }

    private static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            values.put(field.getKey(), field.getValue().asString());
        }
        return values;
    }
}
