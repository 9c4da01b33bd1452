package dev.latchkey.authz.authorization;

import java.net.URL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes authorization attributes and token metadata as plain, typed JSON (never Java or polymorphic Jackson
 * serialization, so a database row cannot instantiate arbitrary classes). Unknown value types fail the write: an
 * attribute we do not understand must not be silently dropped or stored in an unreviewed form.
 */
final class AttributeCodec {

    private static final String INSTANT = "@instant";
    private static final String SET = "@set";
    private static final String PRINCIPAL = "@principal";
    private static final String AUTHORIZATION_REQUEST = "@authorizationRequest";

    private final JsonMapper json = JsonMapper.builder().build();

    /** Plain JSON of already JSON-safe values (strings, numbers, booleans, lists and maps of them). */
    String writeJson(Object value) {
        return json.writeValueAsString(value);
    }

    String write(Map<String, Object> values) {
        return json.writeValueAsString(encodeMap(values));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> read(String text) {
        if (text == null || text.isEmpty()) {
            return new LinkedHashMap<>();
        }
        return (Map<String, Object>) decode(json.readValue(text, Map.class));
    }

    private Map<String, Object> encodeMap(Map<String, ?> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((key, value) -> out.put(key, encode(value)));
        return out;
    }

    private Object encode(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Number) {
            return value;
        }
        if (value instanceof Instant instant) {
            return Map.of(INSTANT, instant.toString());
        }
        if (value instanceof URL url) {
            return url.toString();
        }
        if (value instanceof Set<?> set) {
            return Map.of(SET, set.stream().map(this::encode).toList());
        }
        if (value instanceof Collection<?> list) {
            return list.stream().map(this::encode).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), encode(v)));
            return out;
        }
        if (value instanceof Authentication authentication) {
            return Map.of(PRINCIPAL, Map.of(
                    "name", authentication.getName(),
                    "authorities", AuthorityUtils.authorityListToSet(authentication.getAuthorities()).stream().sorted().toList()));
        }
        if (value instanceof OAuth2AuthorizationRequest request) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("authorizationUri", request.getAuthorizationUri());
            fields.put("clientId", request.getClientId());
            fields.put("redirectUri", request.getRedirectUri());
            fields.put("scopes", List.copyOf(request.getScopes()));
            fields.put("state", request.getState());
            fields.put("additionalParameters", encodeMap(request.getAdditionalParameters()));
            fields.put("attributes", encodeMap(request.getAttributes()));
            fields.put("authorizationRequestUri", request.getAuthorizationRequestUri());
            return Map.of(AUTHORIZATION_REQUEST, fields);
        }
        throw new IllegalArgumentException("cannot store a value of type " + value.getClass().getName());
    }

    @SuppressWarnings("unchecked")
    private Object decode(Object value) {
        if (value instanceof List<?> list) {
            return new ArrayList<>(list.stream().map(this::decode).toList());
        }
        if (!(value instanceof Map<?, ?> raw)) {
            return value;
        }
        Map<String, Object> map = (Map<String, Object>) raw;
        if (map.size() == 1) {
            if (map.get(INSTANT) instanceof String instant) {
                return Instant.parse(instant);
            }
            if (map.get(SET) instanceof List<?> items) {
                Set<Object> set = new LinkedHashSet<>();
                items.forEach(item -> set.add(decode(item)));
                return set;
            }
            if (map.get(PRINCIPAL) instanceof Map<?, ?> principal) {
                List<GrantedAuthority> authorities = AuthorityUtils.createAuthorityList(
                        ((List<String>) principal.get("authorities")).toArray(String[]::new));
                return UsernamePasswordAuthenticationToken.authenticated(principal.get("name"), null, authorities);
            }
            if (map.get(AUTHORIZATION_REQUEST) instanceof Map<?, ?> fields) {
                return OAuth2AuthorizationRequest.authorizationCode()
                        .authorizationUri((String) fields.get("authorizationUri"))
                        .clientId((String) fields.get("clientId"))
                        .redirectUri((String) fields.get("redirectUri"))
                        .scopes(new LinkedHashSet<>((List<String>) fields.get("scopes")))
                        .state((String) fields.get("state"))
                        .additionalParameters((Map<String, Object>) decode(fields.get("additionalParameters")))
                        .attributes((Map<String, Object>) decode(fields.get("attributes")))
                        .authorizationRequestUri((String) fields.get("authorizationRequestUri"))
                        .build();
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, decode(v)));
        return out;
    }
}
