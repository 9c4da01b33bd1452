package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import java.util.Map;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;

/** Records {@code consent.granted} (and a withdrawal at the consent page) in the same transaction as the change. */
public final class AuditingConsentService implements OAuth2AuthorizationConsentService {

    private final OAuth2AuthorizationConsentService delegate;
    private final AuditTrail trail;

    public AuditingConsentService(OAuth2AuthorizationConsentService delegate, AuditTrail trail) {
        this.delegate = delegate;
        this.trail = trail;
    }

    @Override
    public void save(OAuth2AuthorizationConsent consent) {
        trail.inTransaction(() -> {
            delegate.save(consent);
            trail.record(Actor.user(consent.getPrincipalName()), "consent.granted", Outcome.SUCCESS, "app",
                    consent.getRegisteredClientId(), null,
                    Map.of("scopes", consent.getScopes().stream().sorted().toList()));
            return null;
        });
    }

    @Override
    public void remove(OAuth2AuthorizationConsent consent) {
        trail.inTransaction(() -> {
            delegate.remove(consent);
            trail.record(Actor.user(consent.getPrincipalName()), "consent.revoked", Outcome.SUCCESS, "app",
                    consent.getRegisteredClientId(), null, Map.of("via", "consent_page"));
            return null;
        });
    }

    @Override
    public OAuth2AuthorizationConsent findById(String registeredClientId, String principalName) {
        return delegate.findById(registeredClientId, principalName);
    }
}
