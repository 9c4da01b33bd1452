package dev.latchkey.authz.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;

class UnpublishedAppValidatorTest {

    private final UUID team = UUID.randomUUID();

    @Test
    void whenAppIsUnpublishedThenOnlyItsTeamMayAuthorize() {
        RegisteredClient app = client(false);
        assertThat(UnpublishedAppValidator.mayAuthorize(app, Optional.of(team))).isTrue();
        assertThat(UnpublishedAppValidator.mayAuthorize(app, Optional.of(UUID.randomUUID()))).isFalse();
        assertThat(UnpublishedAppValidator.mayAuthorize(app, Optional.empty())).isFalse();
    }

    @Test
    void whenAppIsPublishedThenAnyTeamMayAuthorize() {
        assertThat(UnpublishedAppValidator.mayAuthorize(client(true), Optional.of(UUID.randomUUID()))).isTrue();
    }

    @Test
    void whenClientCarriesNoTeamThenNobodyOutsideAPublishedAppMayAuthorize() {
        RegisteredClient orphan = RegisteredClient.withId("x").clientId("x")
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE).redirectUri("https://a.example/cb")
                .build();
        assertThat(UnpublishedAppValidator.mayAuthorize(orphan, Optional.of(team))).isFalse();
    }

    private RegisteredClient client(boolean published) {
        return RegisteredClient.withId(UUID.randomUUID().toString()).clientId("lk_ci_test")
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri("https://a.example/cb")
                .clientSettings(ClientSettings.builder().setting(AppSettings.TEAM_ID, team.toString())
                        .setting(AppSettings.PUBLISHED, published).build())
                .build();
    }
}
