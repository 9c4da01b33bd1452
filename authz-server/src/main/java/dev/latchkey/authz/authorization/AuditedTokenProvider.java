package dev.latchkey.authz.authorization;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.audit.GrantFailureAudit;
import dev.latchkey.authz.audit.IntrospectionAudit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationGrantAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2RefreshTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2TokenIntrospectionAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2TokenRevocationAuthenticationToken;

/**
 * Audits what the token, revocation (RFC 7009) and introspection (RFC 7662) endpoints decide, around Spring
 * Authorization Server's provider for that request:
 *
 * <ul>
 *   <li>code exchange ({@code token.issued}), refresh ({@code token.refreshed}) and revocation
 *       ({@code token.revoked}) run in one transaction with their event: the grant's save and the audit row commit or
 *       roll back together. An {@link OAuth2AuthenticationException} still commits, because what the storage did
 *       before refusing (revoking a family on refresh-token reuse or code replay, with its own denied event) must
 *       stick;
 *   <li>client-credentials grants pass through untouched: their event is written in the issuance batch
 *       ({@link IssuanceBatcher});
 *   <li>introspection is a read and is counted by {@link IntrospectionAudit}, not written per call;
 *   <li>a refused grant of any type is counted by {@link GrantFailureAudit}.
 * </ul>
 *
 * Details hold fingerprints (keyed hashes) of tokens, never their values.
 */
public final class AuditedTokenProvider implements AuthenticationProvider {

    private final AuthenticationProvider delegate;
    private final JooqOAuth2AuthorizationService authorizations;
    private final AuditTrail audit;
    private final IntrospectionAudit introspections;
    private final GrantFailureAudit grantFailures;

    public AuditedTokenProvider(AuthenticationProvider delegate, JooqOAuth2AuthorizationService authorizations,
            AuditTrail audit, IntrospectionAudit introspections, GrantFailureAudit grantFailures) {
        this.delegate = delegate;
        this.authorizations = authorizations;
        this.audit = audit;
        this.introspections = introspections;
        this.grantFailures = grantFailures;
    }

    /** The outcome of the wrapped provider, carried out of the transaction so that a refusal still commits. */
    private record Result(Authentication authentication, OAuth2AuthenticationException refusal) {}

    @Override
    public Authentication authenticate(Authentication request) throws AuthenticationException {
        if (request instanceof OAuth2TokenIntrospectionAuthenticationToken introspection) {
            Authentication result = delegate.authenticate(request);
            if (result instanceof OAuth2TokenIntrospectionAuthenticationToken answered) {
                introspections.introspected(clientId(introspection), authorizations.fingerprint(introspection.getToken()),
                        answered.getTokenClaims().isActive());
            }
            return result;
        }
        if (!(request instanceof OAuth2AuthorizationCodeAuthenticationToken
                || request instanceof OAuth2RefreshTokenAuthenticationToken
                || request instanceof OAuth2TokenRevocationAuthenticationToken)) {
            try {
                return delegate.authenticate(request);
            } catch (OAuth2AuthenticationException e) {
                throw refused(request, e);
            }
        }
        Result result = audit.inTransaction(() -> {
            Authentication authenticated;
            try {
                authenticated = delegate.authenticate(request);
            } catch (OAuth2AuthenticationException e) {
                if (request instanceof OAuth2TokenRevocationAuthenticationToken revocation) {
                    revocationRefused(revocation, e);
                }
                return new Result(null, e);
            }
            if (authenticated != null) {
                record(request, authenticated);
            }
            return new Result(authenticated, null);
        });
        if (result.refusal() != null) {
            throw refused(request, result.refusal());
        }
        return result.authentication();
    }

    /** Counts a refused grant (revocations are audited on their own) and returns the refusal to throw. */
    private OAuth2AuthenticationException refused(Authentication request, OAuth2AuthenticationException refusal) {
        if (request instanceof OAuth2AuthorizationGrantAuthenticationToken grant) {
            grantFailures.refused(clientId(grant), grant.getGrantType().getValue(),
                    refusal.getError().getErrorCode());
        }
        return refusal;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return delegate.supports(authentication);
    }

    private void record(Authentication request, Authentication result) {
        String clientId = clientId(request);
        if (request instanceof OAuth2TokenRevocationAuthenticationToken revocation) {
            Optional<JooqOAuth2AuthorizationService.IssuedToken> token = authorizations.describe(revocation.getToken());
            if (token.isPresent()) {
                Map<String, Object> details = tokenDetails(token.get());
                details.put("token_kind", token.get().kind());
                details.put("token", token.get().fingerprint());
                audit.record(Actor.app(clientId), "token.revoked", Outcome.SUCCESS, "grant", token.get().grantId(),
                        null, details);
            } else {
                // RFC 7009 §2.2 answers 200 for a token it does not know; the audit trail says nothing was revoked.
                audit.record(Actor.app(clientId), "token.revoked", Outcome.FAILURE, "token",
                        authorizations.fingerprint(revocation.getToken()), null, Map.of("reason", "unknown_token"));
            }
            return;
        }
        if (!(result instanceof OAuth2AccessTokenAuthenticationToken issued)) {
            return;
        }
        OAuth2AccessToken access = issued.getAccessToken();
        Optional<JooqOAuth2AuthorizationService.IssuedToken> stored = authorizations.describe(access.getTokenValue());
        Map<String, Object> details = stored.map(AuditedTokenProvider::tokenDetails).orElseGet(LinkedHashMap::new);
        details.put("scopes", access.getScopes().stream().sorted().toList());
        details.put("access_token", authorizations.fingerprint(access.getTokenValue()));
        if (issued.getRefreshToken() != null) {
            details.put("refresh_token", authorizations.fingerprint(issued.getRefreshToken().getTokenValue()));
        }
        String action;
        if (request instanceof OAuth2RefreshTokenAuthenticationToken refresh) {
            action = "token.refreshed";
            details.put("grant_type", "refresh_token");
            stored.ifPresent(t -> details.put("original_grant_type", t.grantType()));
            details.put("previous_refresh_token", authorizations.fingerprint(refresh.getRefreshToken()));
        } else {
            action = "token.issued";
            details.put("id_token", issued.getAdditionalParameters().containsKey("id_token"));
        }
        String grantId = stored.map(JooqOAuth2AuthorizationService.IssuedToken::grantId).orElse(null);
        audit.record(Actor.app(clientId), action, Outcome.SUCCESS, grantId == null ? "token" : "grant",
                grantId == null ? (String) details.get("access_token") : grantId, null, details);
    }

    private void revocationRefused(OAuth2TokenRevocationAuthenticationToken revocation, OAuth2AuthenticationException e) {
        audit.record(Actor.app(clientId(revocation)), "token.revoked", Outcome.DENIED, "token",
                authorizations.fingerprint(revocation.getToken()), null,
                Map.of("error", e.getError().getErrorCode()));
    }

    private static Map<String, Object> tokenDetails(JooqOAuth2AuthorizationService.IssuedToken token) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("grant_type", token.grantType());
        details.put("subject", token.subject());
        return details;
    }

    /** The authenticated client making the request (the token, revocation and introspection endpoints require one). */
    private static String clientId(Authentication request) {
        return request.getPrincipal() instanceof Authentication client ? client.getName() : null;
    }
}
