package dev.latchkey.authz.registration;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.client.AppRegistration;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.client.CreatedApp;
import dev.latchkey.authz.client.InvalidAppException;
import dev.latchkey.authz.scope.ScopeCatalogue;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * RFC 7591 dynamic client registration (with an initial access token) and RFC 7592 read, update and delete (with
 * the registration access token). Errors use the RFC 7591 §3.2.2 shape.
 */
@RestController
public class ClientRegistrationController {

    private static final String PATH = "/connect/register";

    private final AppService apps;
    private final RegistrationTokens initialTokens;
    private final AuthorizationServerSettings settings;
    private final AuditTrail audit;

    public ClientRegistrationController(AppService apps, RegistrationTokens initialTokens, AuthorizationServerSettings settings,
            AuditTrail audit) {
        this.audit = audit;
        this.apps = apps;
        this.initialTokens = initialTokens;
        this.settings = settings;
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> register(HttpServletRequest request, @RequestBody Map<String, Object> metadata) {
        Optional<UUID> team = bearer(request).flatMap(initialTokens::redeem);
        if (team.isEmpty()) {
            return unauthorized();
        }
        AppRegistration registration = toRegistration(team.get(), metadata);
        Registered registered = audit.inTransaction(() -> {
            CreatedApp app = apps.create(registration, "dynamic");
            String token = apps.issueRegistrationAccessToken(app.app().id());
            audit.record(Actor.app(app.app().clientId()), "app.registered", Outcome.SUCCESS, "app", app.app().id().toString(),
                    app.app().teamId().toString(), Map.of("clientId", app.app().clientId(), "via", "dynamic_registration"));
            return new Registered(app, token);
        });
        CreatedApp created = registered.app();
        String registrationToken = registered.registrationToken();
        Map<String, Object> body = describe(created.app(), request);
        if (created.clientSecret() != null) {
            body.put("client_secret", created.clientSecret());
            body.put("client_secret_expires_at", 0);
        }
        body.put("registration_access_token", registrationToken);
        return ResponseEntity.status(HttpStatus.CREATED).body(body);
    }

    @GetMapping(path = PATH + "/{clientId}", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> read(HttpServletRequest request, @PathVariable String clientId) {
        Optional<AppView> app = authorized(request, clientId);
        return app.<ResponseEntity<Map<String, Object>>>map(a -> ResponseEntity.ok(describe(a, request)))
                .orElseGet(ClientRegistrationController::unauthorized);
    }

    @PutMapping(path = PATH + "/{clientId}", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> update(HttpServletRequest request, @PathVariable String clientId,
            @RequestBody Map<String, Object> metadata) {
        Optional<AppView> app = authorized(request, clientId);
        if (app.isEmpty()) {
            return unauthorized();
        }
        if (metadata.containsKey("client_id") && !clientId.equals(metadata.get("client_id"))) {
            throw new InvalidAppException("client_id", "client_id does not match the registration");
        }
        if (metadata.get("client_secret") instanceof String secret && !apps.secretMatches(clientId, secret)) {
            throw new InvalidAppException("client_secret", "client_secret does not match the registration");
        }
        AppRegistration registration = toRegistration(app.get().teamId(), metadata);
        AppView updated = audit.inTransaction(() -> {
            AppView changed = apps.update(app.get().id(), registration).orElseThrow();
            audit.record(Actor.app(clientId), "app.updated", Outcome.SUCCESS, "app", changed.id().toString(),
                    changed.teamId().toString(), Map.of("clientId", clientId, "via", "dynamic_registration"));
            return changed;
        });
        return ResponseEntity.ok(describe(updated, request));
    }

    @DeleteMapping(path = PATH + "/{clientId}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String clientId) {
        Optional<AppView> app = authorized(request, clientId);
        if (app.isEmpty()) {
            return unauthorized();
        }
        audit.inTransaction(() -> {
            if (apps.delete(app.get().id())) {
                audit.record(Actor.app(clientId), "app.deleted", Outcome.SUCCESS, "app", app.get().id().toString(),
                        app.get().teamId().toString(), Map.of("clientId", clientId, "via", "dynamic_registration"));
            }
            return null;
        });
        return ResponseEntity.noContent().build();
    }

    private record Registered(CreatedApp app, String registrationToken) {}

    @ExceptionHandler(InvalidAppException.class)
    ResponseEntity<Map<String, String>> invalid(InvalidAppException e) {
        return error(e.redirectUri() ? "invalid_redirect_uri" : "invalid_client_metadata", e.getMessage());
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, ClassCastException.class, IllegalArgumentException.class})
    ResponseEntity<Map<String, String>> unreadable(Exception e) {
        return error("invalid_client_metadata", "The request body is not valid client metadata.");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, String>> mediaType(Exception e) {
        return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE).contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", "invalid_request", "error_description", "Send application/json."));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Map<String, String>> method(Exception e) {
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", "invalid_request", "error_description", "Method not allowed."));
    }

    /** The app, when the bearer is its registration access token (hash lookup, then the client id must match). */
    private Optional<AppView> authorized(HttpServletRequest request, String clientId) {
        return bearer(request).flatMap(apps::findByRegistrationAccessToken).filter(app -> app.clientId().equals(clientId));
    }

    @SuppressWarnings("unchecked")
    private static AppRegistration toRegistration(UUID teamId, Map<String, Object> m) {
        List<String> grantTypes = (List<String>) m.getOrDefault("grant_types", List.of("authorization_code", "refresh_token"));
        List<String> responseTypes = (List<String>) m.getOrDefault("response_types", List.of("code"));
        if (!responseTypes.stream().allMatch("code"::equals)) {
            throw new InvalidAppException("response_types", "only the code response type is supported");
        }
        String scope = (String) m.get("scope");
        if (scope != null && List.of(scope.trim().split(" +")).stream().anyMatch(ScopeCatalogue::isPlatformScope)) {
            // RFC 7591 §3.2.2 invalid_client_metadata: a self-registered client never gets Latchkey's own APIs.
            throw new InvalidAppException("scope", "platform scopes (admin, audit:read, broker:*) cannot be registered");
        }
        return new AppRegistration(teamId,
                (String) m.getOrDefault("client_name", "Unnamed app"),
                null,
                (List<String>) m.get("redirect_uris"),
                scope == null || scope.isBlank() ? List.of() : List.of(scope.trim().split(" +")),
                grantTypes,
                (String) m.get("token_endpoint_auth_method"),
                true,
                true,
                null,
                (String) m.get("logo_uri"),
                (String) m.get("client_uri"),
                null,
                null);
    }

    private Map<String, Object> describe(AppView app, HttpServletRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("client_id", app.clientId());
        body.put("client_id_issued_at", app.createdAt().toEpochSecond());
        body.put("client_name", app.name());
        body.put("redirect_uris", app.redirectUris());
        body.put("grant_types", app.grantTypes());
        body.put("response_types", List.of("code"));
        body.put("token_endpoint_auth_method", app.tokenEndpointAuthMethod());
        body.put("scope", String.join(" ", app.scopes()));
        if (app.logoUrl() != null) {
            body.put("logo_uri", app.logoUrl());
        }
        if (app.homepageUrl() != null) {
            body.put("client_uri", app.homepageUrl());
        }
        body.put("registration_client_uri", issuer(request) + PATH + "/" + app.clientId());
        return body;
    }

    private String issuer(HttpServletRequest request) {
        String issuer = settings.getIssuer();
        if (issuer == null) {
            issuer = request.getScheme() + "://" + request.getServerName() + ":" + request.getServerPort();
        }
        return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }

    private static Optional<String> bearer(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    private static <T> ResponseEntity<T> unauthorized() {
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED).header("WWW-Authenticate", "Bearer error=\"invalid_token\"").build();
    }

    private static ResponseEntity<Map<String, String>> error(String code, String description) {
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", code, "error_description", description));
    }
}
