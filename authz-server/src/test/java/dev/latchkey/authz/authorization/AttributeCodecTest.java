package dev.latchkey.authz.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Principal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;

class AttributeCodecTest {

    private final AttributeCodec codec = new AttributeCodec();

    @Test
    void whenAttributesRoundTripThenTypesAreKept() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("instant", Instant.parse("2026-01-02T03:04:05Z"));
        values.put("set", Set.of("a"));
        values.put("list", List.of("x", "y"));
        values.put("number", 3);
        values.put(Principal.class.getName(), UsernamePasswordAuthenticationToken.authenticated("alice", null,
                AuthorityUtils.createAuthorityList("ROLE_USER")));
        values.put(OAuth2AuthorizationRequest.class.getName(), OAuth2AuthorizationRequest.authorizationCode()
                .authorizationUri("https://as/authorize").clientId("c").redirectUri("https://c/cb").scopes(Set.of("read"))
                .state("s").additionalParameters(Map.of("code_challenge", "abc", "code_challenge_method", "S256")).build());

        Map<String, Object> read = codec.read(codec.write(values));

        assertThat(read.get("instant")).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(read.get("set")).isEqualTo(Set.of("a"));
        assertThat(read.get("list")).isEqualTo(List.of("x", "y"));
        Authentication principal = (Authentication) read.get(Principal.class.getName());
        assertThat(principal.getName()).isEqualTo("alice");
        assertThat(principal.isAuthenticated()).isTrue();
        assertThat(AuthorityUtils.authorityListToSet(principal.getAuthorities())).containsExactly("ROLE_USER");
        OAuth2AuthorizationRequest request = (OAuth2AuthorizationRequest) read.get(OAuth2AuthorizationRequest.class.getName());
        assertThat(request.getClientId()).isEqualTo("c");
        assertThat(request.getRedirectUri()).isEqualTo("https://c/cb");
        assertThat(request.getAdditionalParameters()).containsEntry("code_challenge", "abc");
    }

    @Test
    void whenValueTypeIsUnknownThenWriteFailsInsteadOfDroppingIt() {
        assertThatThrownBy(() -> codec.write(Map.of("x", new Object()))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenJsonNamesAClassThenItIsNotInstantiated() {
        Map<String, Object> read = codec.read("{\"@class\":\"java.lang.ProcessBuilder\",\"x\":1}");
        assertThat(read).containsEntry("@class", "java.lang.ProcessBuilder");
    }
}
