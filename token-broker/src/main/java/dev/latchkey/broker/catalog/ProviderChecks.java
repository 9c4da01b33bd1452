package dev.latchkey.broker.catalog;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;

/**
 * The rules JSON Schema cannot state, run on an entry that already passed the schema: https only (http to loopback
 * only with {@code allowInsecureForTesting}), every template placeholder declared with a compilable pattern,
 * well-formed JSON pointers, and the cross-field rules between sections.
 */
final class ProviderChecks {

    private static final List<String> OAUTH_ONLY_SECTIONS = List.of("issuer", "authorize", "tokenRequest",
            "tokenResponse", "expiry", "refreshToken", "revocation", "errors");

    private final JsonNode entry;
    private final boolean builtIn;
    private final List<CatalogSchema.FieldError> errors = new ArrayList<>();

    private ProviderChecks(JsonNode entry, boolean builtIn) {
        this.entry = entry;
        this.builtIn = builtIn;
    }

    /** Every semantic problem of {@code entry}; empty when it is sound. */
    static List<CatalogSchema.FieldError> check(JsonNode entry, boolean builtIn) {
        ProviderChecks checks = new ProviderChecks(entry, builtIn);
        checks.run();
        return checks.errors;
    }

    private void run() {
        boolean insecure = entry.path("allowInsecureForTesting").asBoolean(false);
        if (insecure && builtIn) {
            fail("/allowInsecureForTesting", "is not allowed in the built-in catalog");
        }
        String mode = entry.path("authMode").asString("");
        checkModeSections(mode);
        checkConnectionParameters();
        Set<String> declared = entry.path("connectionParameters").propertyNames().stream()
                .filter(name -> !UrlTemplate.RESERVED.contains(name))
                .collect(java.util.stream.Collectors.toSet());
        Set<String> used = checkUrls(declared, insecure);
        for (String name : declared) {
            if (!used.contains(name)) {
                fail("/connectionParameters/" + JsonPointers.escape(name), "is not used by any URL template");
            }
        }
        if (entry.has("docs")) {
            checkPlainHttps("/docs", entry.get("docs").asString());
        }
        checkAuthorize();
        checkIssuer();
        checkTokenRequest();
        checkTokenResponse();
        checkMetadata();
        checkExpiry();
        checkRevocation();
        checkErrors();
    }

    private void checkModeSections(String mode) {
        JsonNode urls = entry.path("urls");
        if (mode.equals("oauth2")) {
            require(urls, "/urls", "authorize");
            require(urls, "/urls", "token");
            require(entry.path("authorize"), "/authorize", "pkce");
            require(entry.path("tokenRequest"), "/tokenRequest", "clientAuth");
            if (entry.has("apiKey")) {
                fail("/apiKey", "is only for authMode api_key");
            }
            return;
        }
        for (String field : List.of("authorize", "token", "refresh", "revoke")) {
            if (urls.has(field)) {
                fail("/urls/" + field, "is only for authMode oauth2");
            }
        }
        for (String section : OAUTH_ONLY_SECTIONS) {
            if (entry.has(section)) {
                fail("/" + section, "is only for authMode oauth2");
            }
        }
        if (mode.equals("api_key") && !entry.has("apiKey")) {
            fail("/apiKey", "is required for authMode api_key");
        }
        if (mode.equals("basic") && entry.has("apiKey")) {
            fail("/apiKey", "is only for authMode api_key");
        }
    }

    private void require(JsonNode section, String path, String field) {
        if (!section.has(field)) {
            fail(path + "/" + field, "is required for authMode oauth2");
        }
    }

    private void checkConnectionParameters() {
        for (Map.Entry<String, JsonNode> parameter : entry.path("connectionParameters").properties()) {
            String path = "/connectionParameters/" + JsonPointers.escape(parameter.getKey());
            if (UrlTemplate.RESERVED.contains(parameter.getKey())) {
                fail(path, "is a reserved placeholder name");
                continue;
            }
            Pattern pattern = compile(path + "/pattern", parameter.getValue().path("pattern").asString());
            if (pattern == null) {
                continue;
            }
            ConnectionParameter declared = new ConnectionParameter(parameter.getKey(), pattern, null, null, null);
            for (String field : List.of("default", "example")) {
                JsonNode value = parameter.getValue().get(field);
                if (value != null) {
                    String problem = declared.problemWith(value.asString());
                    if (problem != null) {
                        fail(path + "/" + field, problem);
                    }
                }
            }
        }
    }

    /** The URL templates and the issuer, which is checked like them and may use the same parameters. */
    private Set<String> checkUrls(Set<String> declared, boolean insecure) {
        Map<String, String> templates = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> url : entry.path("urls").properties()) {
            templates.put("/urls/" + url.getKey(), url.getValue().asString());
        }
        if (entry.has("issuer")) {
            templates.put("/issuer", entry.get("issuer").asString());
        }
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, String> url : templates.entrySet()) {
            String path = url.getKey();
            String text = url.getValue();
            UrlTemplate template;
            try {
                template = UrlTemplate.parse(text);
            } catch (IllegalArgumentException e) {
                fail(path, "is not a valid URL template: " + e.getMessage());
                continue;
            }
            boolean placeholdersOk = true;
            for (String name : template.placeholders()) {
                used.add(name);
                if (UrlTemplate.RESERVED.contains(name)) {
                    if (!path.equals("/urls/revoke")) {
                        fail(path, "placeholder {" + name + "} is only allowed in urls.revoke");
                        placeholdersOk = false;
                    }
                } else if (!declared.contains(name)) {
                    fail(path, "placeholder {" + name + "} is not declared in connectionParameters with a pattern");
                    placeholdersOk = false;
                }
            }
            if (placeholdersOk) {
                checkTemplateTarget(path, text, template, insecure);
            }
        }
        return used;
    }

    /** The scheme is literal https (or http to loopback for test providers) and the template parses as a URL. */
    private void checkTemplateTarget(String path, String text, UrlTemplate template, boolean insecure) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("https://") && !(insecure && lower.startsWith("http://"))) {
            fail(path, "must be an https URL template");
            return;
        }
        if (template.authorityTemplate().contains("@")) {
            fail(path, "must not contain user information");
            return;
        }
        if (text.contains("#")) {
            fail(path, "must not contain a fragment");
            return;
        }
        Map<String, String> sample = new HashMap<>();
        for (String name : template.placeholders()) {
            sample.put(name, "x");
        }
        URI uri;
        try {
            uri = new URI(template.expand(sample));
        } catch (URISyntaxException e) {
            fail(path, "is not a valid URL: " + e.getReason());
            return;
        }
        if (uri.getHost() == null) {
            fail(path, "has no host");
        } else if (!UrlRules.acceptableScheme(uri, insecure)) {
            fail(path, insecure
                    ? "may use http only to a loopback host (allowInsecureForTesting)"
                    : "must be an https URL template");
        }
    }

    private void checkPlainHttps(String path, String text) {
        try {
            UrlTemplate template = UrlTemplate.parse(text);
            if (!template.placeholders().isEmpty()) {
                fail(path, "must not contain placeholders");
                return;
            }
            URI uri = new URI(text);
            if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                fail(path, "must be an https URL");
            }
        } catch (IllegalArgumentException | URISyntaxException e) {
            fail(path, "must be an https URL");
        }
    }

    private void checkAuthorize() {
        JsonNode authorize = entry.path("authorize");
        String scopeParam = authorize.path("scopeParam").asString("scope");
        for (String name : authorize.path("extraParams").propertyNames()) {
            if (AuthorizeSettings.RESERVED_PARAMS.contains(name) || name.equals(scopeParam)) {
                fail("/authorize/extraParams/" + JsonPointers.escape(name), "is set by the broker and cannot be overridden");
            }
        }
        if (AuthorizeSettings.RESERVED_PARAMS.contains(scopeParam)) {
            fail("/authorize/scopeParam", "is a reserved authorize parameter");
        }
    }

    /** RFC 9207: what an authorization response's {@code iss} is compared with. */
    private void checkIssuer() {
        if (entry.path("authorize").path("issParameterSupported").asBoolean(false) && !entry.has("issuer")) {
            fail("/authorize/issParameterSupported", "needs issuer: the iss it requires is compared with it");
        }
        if (entry.path("issuer").asString("").contains("?")) {
            fail("/issuer", "must not contain a query (RFC 8414 section 2)");
        }
    }

    private void checkTokenRequest() {
        JsonNode request = entry.path("tokenRequest");
        for (String field : List.of("extraParams", "refreshExtraParams")) {
            for (String name : request.path(field).propertyNames()) {
                if (TokenRequestSettings.RESERVED_PARAMS.contains(name)) {
                    fail("/tokenRequest/" + field + "/" + JsonPointers.escape(name),
                            "is set by the broker and cannot be overridden");
                }
            }
        }
        checkHeaders("/tokenRequest/headers", request.path("headers"));
    }

    private void checkHeaders(String path, JsonNode headers) {
        for (String name : headers.propertyNames()) {
            if (TokenRequestSettings.RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                fail(path + "/" + name, "is set by the broker and cannot be overridden");
            }
        }
    }

    private void checkTokenResponse() {
        for (Map.Entry<String, JsonNode> field : entry.path("tokenResponse").properties()) {
            String path = "/tokenResponse/" + field.getKey();
            if (field.getValue().isArray()) {
                for (int i = 0; i < field.getValue().size(); i++) {
                    pointer(path + "/" + i, field.getValue().get(i).asString());
                }
            } else {
                pointer(path, field.getValue().asString());
            }
        }
    }

    private void checkMetadata() {
        for (Map.Entry<String, JsonNode> field : entry.path("metadata").properties()) {
            String path = "/metadata/" + JsonPointers.escape(field.getKey());
            JsonNode value = field.getValue();
            boolean callback = value.path("from").asString().equals("callback");
            if (callback) {
                if (!value.has("param")) {
                    fail(path + "/param", "is required for metadata from the callback");
                }
                if (!value.has("pattern")) {
                    fail(path + "/pattern", "is required for metadata from the callback (the browser controls it)");
                }
                if (value.has("pointer")) {
                    fail(path + "/pointer", "is only for metadata from the token response");
                }
            } else {
                if (!value.has("pointer")) {
                    fail(path + "/pointer", "is required for metadata from the token response");
                } else {
                    pointer(path + "/pointer", value.get("pointer").asString());
                }
                if (value.has("param")) {
                    fail(path + "/param", "is only for metadata from the callback");
                }
            }
            if (value.has("pattern")) {
                compile(path + "/pattern", value.get("pattern").asString());
            }
        }
    }

    private void checkExpiry() {
        JsonNode expiry = entry.path("expiry");
        if (expiry.isMissingNode()) {
            return;
        }
        String policy = expiry.path("policy").asString();
        if (policy.equals("fixed") != expiry.has("lifetimeSeconds")) {
            fail("/expiry/lifetimeSeconds", policy.equals("fixed")
                    ? "is required for policy fixed"
                    : "is only for policy fixed");
        }
        if (expiry.has("whenAbsent") && !policy.equals("provider")) {
            fail("/expiry/whenAbsent", "is only for policy provider");
        }
    }

    private void checkRevocation() {
        JsonNode revocation = entry.path("revocation");
        JsonNode revokeUrl = entry.path("urls").get("revoke");
        if (revocation.isMissingNode()) {
            if (revokeUrl != null) {
                fail("/revocation", "is required when urls.revoke is set");
            }
            return;
        }
        if (revokeUrl == null) {
            fail("/urls/revoke", "is required when revocation is set");
            return;
        }
        String placement = revocation.path("placement").asString();
        String clientAuth = revocation.path("clientAuth").asString("none");
        boolean tokenInPath = revokeUrl.asString().contains("{token}");
        switch (placement) {
            case "form", "json", "query" -> {
                if (!revocation.has("param")) {
                    fail("/revocation/param", "is required for placement " + placement);
                }
            }
            case "header" -> {
                if (!revocation.has("headerName")) {
                    fail("/revocation/headerName", "is required for placement header");
                }
            }
            case "path" -> {
                if (!tokenInPath) {
                    fail("/urls/revoke", "must contain {token} for placement path");
                }
            }
            default -> {
                // bearer: nothing more to declare
            }
        }
        if (tokenInPath && !placement.equals("path")) {
            fail("/urls/revoke", "may contain {token} only with placement path");
        }
        if (placement.equals("bearer") && clientAuth.equals("client_secret_basic")) {
            fail("/revocation/clientAuth", "cannot be client_secret_basic with placement bearer (one Authorization header)");
        }
        if (clientAuth.equals("client_secret_post") && !placement.equals("form") && !placement.equals("json")) {
            fail("/revocation/clientAuth", "client_secret_post needs a form or json body (placement form or json)");
        }
        if (revocation.path("tokenTypeHint").asBoolean(false) && !placement.equals("form")
                && !placement.equals("json")) {
            fail("/revocation/tokenTypeHint", "needs a form or json body (placement form or json)");
        }
        checkHeaders("/revocation/headers", revocation.path("headers"));
    }

    private void checkErrors() {
        JsonNode errorsNode = entry.path("errors");
        JsonNode signal = errorsNode.path("errorWhen");
        if (signal.has("pointer")) {
            pointer("/errors/errorWhen/pointer", signal.get("pointer").asString());
        }
        for (String field : List.of("codePointers", "descriptionPointers")) {
            JsonNode list = errorsNode.path(field);
            for (int i = 0; i < list.size(); i++) {
                pointer("/errors/" + field + "/" + i, list.get(i).asString());
            }
        }
        JsonNode patterns = errorsNode.path("reauthDescriptionPatterns");
        for (int i = 0; i < patterns.size(); i++) {
            compile("/errors/reauthDescriptionPatterns/" + i, patterns.get(i).asString());
        }
        Set<String> reauth = new HashSet<>(ErrorClassification.DEFAULT_REAUTH_CODES);
        errorsNode.path("reauthCodes").forEach(code -> reauth.add(code.asString()));
        JsonNode transientCodes = errorsNode.path("transientCodes");
        for (int i = 0; i < transientCodes.size(); i++) {
            if (reauth.contains(transientCodes.get(i).asString())) {
                fail("/errors/transientCodes/" + i, "is also a reauth code");
            }
        }
    }

    private void pointer(String path, String value) {
        String problem = JsonPointers.problem(value);
        if (problem != null) {
            fail(path, problem);
        }
    }

    private Pattern compile(String path, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            fail(path, "is not a valid regular expression: " + e.getDescription());
            return null;
        }
    }

    private void fail(String path, String message) {
        errors.add(new CatalogSchema.FieldError(path, message));
    }
}
