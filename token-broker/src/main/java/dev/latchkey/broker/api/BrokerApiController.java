package dev.latchkey.broker.api;

import dev.latchkey.broker.connect.ConnectSessions;
import dev.latchkey.broker.connect.OpenSession;
import dev.latchkey.broker.connection.ConnectionDirectory;
import dev.latchkey.broker.connection.ConnectionView;
import dev.latchkey.broker.token.TokenService;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The broker's API for internal services ({@code /broker/v1}). Scopes are enforced by the security chain; tenants
 * by the services behind it. Only translates HTTP.
 */
@RestController
@RequestMapping(path = "/broker/v1", produces = "application/json")
public class BrokerApiController {

    private final TokenService tokens;
    private final ConnectionDirectory connections;
    private final ConnectSessions sessions;
    private final Callers callers;

    BrokerApiController(TokenService tokens, ConnectionDirectory connections, ConnectSessions sessions,
            dev.latchkey.broker.access.BrokerCallers callers) {
        this.tokens = tokens;
        this.connections = connections;
        this.sessions = sessions;
        this.callers = new Callers(callers);
    }

    @GetMapping("/connections/{id}/token")
    ResponseEntity<TokenResponse> token(@PathVariable UUID id, Authentication authentication) {
        return noStore(TokenResponse.of(tokens.fetch(id, callers.of(authentication))));
    }

    /** Body (optional): {@code {"version": n}}, the version the provider rejected; without it, a forced refresh. */
    @PostMapping(path = "/connections/{id}/token/refresh")
    ResponseEntity<TokenResponse> refresh(@PathVariable UUID id, @RequestBody(required = false) RefreshRequest body,
            Authentication authentication) {
        Long version = body == null ? null : body.version();
        return noStore(TokenResponse.of(tokens.report(id, version, callers.of(authentication))));
    }

    @GetMapping("/connections")
    Map<String, Object> list(@RequestParam(required = false) String tenant,
            @RequestParam(required = false) String provider, @RequestParam(required = false) String status,
            @RequestParam(required = false) UUID after, @RequestParam(defaultValue = "50") int limit,
            Authentication authentication) {
        List<ConnectionView> page = connections.list(callers.of(authentication), tenant, provider, status, after, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("connections", page);
        int size = Math.max(1, Math.min(limit, ConnectionDirectory.MAX_PAGE));
        body.put("next", page.size() == size ? page.get(page.size() - 1).id() : null);
        return body;
    }

    @GetMapping("/connections/{id}")
    ConnectionView connection(@PathVariable UUID id, Authentication authentication) {
        return connections.get(callers.of(authentication), id);
    }

    @DeleteMapping("/connections/{id}")
    Map<String, Object> delete(@PathVariable UUID id, Authentication authentication) {
        boolean revoked = connections.delete(callers.of(authentication), id);
        return Map.of("deleted", true, "upstream_revoked", revoked);
    }

    @PostMapping(path = "/connect-sessions", consumes = "application/json")
    ResponseEntity<Map<String, Object>> open(@RequestBody OpenSession request, Authentication authentication) {
        ConnectSessions.Opened opened = sessions.open(callers.of(authentication), request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", opened.id());
        body.put("connect_url", opened.url());
        body.put("expires_at", opened.expiresAt());
        return ResponseEntity.created(URI.create("/broker/v1/connect-sessions/" + opened.id()))
                .cacheControl(CacheControl.noStore()).body(body);
    }

    @GetMapping("/connect-sessions/{id}")
    ConnectSessions.Status session(@PathVariable UUID id, Authentication authentication) {
        return sessions.status(callers.of(authentication), id);
    }

    record RefreshRequest(Long version) {
    }

    private static <T> ResponseEntity<T> noStore(T body) {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(body);
    }
}
