package dev.latchkey.broker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.broker.catalog.AuthorizationRequest;
import dev.latchkey.broker.catalog.AuthorizationUrls;
import dev.latchkey.broker.catalog.BodyFormat;
import dev.latchkey.broker.catalog.CatalogException;
import dev.latchkey.broker.catalog.ClientAuthMethod;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.ConnectionUrls;
import dev.latchkey.broker.catalog.ErrorCategory;
import dev.latchkey.broker.catalog.ExpiryPolicy;
import dev.latchkey.broker.catalog.ExpirySource;
import dev.latchkey.broker.catalog.HttpMethod;
import dev.latchkey.broker.catalog.Pkce;
import dev.latchkey.broker.catalog.PkceMethod;
import dev.latchkey.broker.catalog.PkcePair;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.ProviderError;
import dev.latchkey.broker.catalog.ProviderRequest;
import dev.latchkey.broker.catalog.ProviderResponse;
import dev.latchkey.broker.catalog.RateLimit;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.catalog.TokenGrant;
import dev.latchkey.broker.catalog.TokenRequests;
import dev.latchkey.broker.catalog.TokenResult;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripted provider, driven the way the broker will drive it: catalog entry loaded by {@link ProviderCatalog},
 * requests built by {@link TokenRequests}, sent by {@link ProviderClient}, read by the catalog's parser.
 */
class ScriptedProviderTest {

    private static final URI CALLBACK = URI.create("https://broker.example/connect/callback");
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path catalogDir;

    private ScriptedProvider scripted;
    private static final Instant NOW = Instant.parse("2026-08-21T10:00:00Z");

    private final ProviderClient client = new ProviderClient();

    @BeforeEach
    void start() {
        scripted = ScriptedProvider.start().clock(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        scripted.close();
    }

    private Provider provider(ScriptedProvider.CatalogOptions options) {
        return scripted.loadProvider(catalogDir, "scripted", options);
    }

    private Provider provider() {
        return provider(new ScriptedProvider.CatalogOptions());
    }

    /** The user approved: the code from the callback, with what the exchange needs. */
    private record Authorized(ConnectionUrls urls, PkcePair pkce, String code) {
    }

    private Authorized authorize(Provider provider) {
        ConnectionUrls urls = provider.resolveUrls(Map.of());
        PkcePair pkce = Pkce.forProvider(provider, RANDOM);
        URI authorize = AuthorizationUrls.build(provider, urls,
                new AuthorizationRequest(scripted.credentials(), CALLBACK, "s", List.of(), pkce, null));
        return new Authorized(urls, pkce, ScriptedProvider.queryParameters(scripted.approve(authorize)).get("code"));
    }

    private TokenResult exchange(Provider provider, Authorized authorized, URI redirectUri, Secret verifier) {
        return client.exchange(provider, TokenRequests.authorizationCode(provider, authorized.urls(),
                scripted.credentials(), Secret.of(authorized.code()), redirectUri, verifier, List.of()), Map.of(),
                scripted.now());
    }

    /** Runs the whole connect flow: authorize in the "browser", then the code exchange. */
    private TokenGrant connect(Provider provider) {
        return (TokenGrant) codeExchange(provider, "user@example.com");
    }

    private TokenResult codeExchange(Provider provider, String user) {
        ConnectionUrls urls = provider.resolveUrls(Map.of());
        PkcePair pkce = Pkce.forProvider(provider, RANDOM);
        URI authorize = AuthorizationUrls.build(provider, urls, new AuthorizationRequest(scripted.credentials(),
                CALLBACK, "state-123", List.of("read", "write"), pkce, Map.of("login_hint", user)));
        Map<String, String> callback = ScriptedProvider.queryParameters(scripted.approve(authorize));
        assertThat(callback).containsEntry("state", "state-123").containsKey("code");
        ProviderRequest exchange = TokenRequests.authorizationCode(provider, urls, scripted.credentials(),
                Secret.of(callback.get("code")), CALLBACK, pkce == null ? null : pkce.verifier(), List.of());
        return client.exchange(provider, exchange, callback, scripted.now());
    }

    private TokenResult refresh(Provider provider, Secret refreshToken) {
        return refresh(provider, scripted.credentials(), refreshToken);
    }

    private TokenResult refresh(Provider provider, ClientCredentials credentials, Secret refreshToken) {
        ProviderRequest request = TokenRequests.refresh(provider, provider.resolveUrls(Map.of()), credentials,
                refreshToken, List.of());
        return client.exchange(provider, request, Map.of(), scripted.now());
    }

    private int callApi(Secret accessToken) throws Exception {
        ProviderRequest me = new ProviderRequest(HttpMethod.GET, scripted.apiUri(),
                Map.of("Authorization", "Bearer " + accessToken.reveal()), null, Map.of());
        return client.send(me).status();
    }

    private static ProviderError error(TokenResult result) {
        assertThat(result).isInstanceOf(ProviderError.class);
        return (ProviderError) result;
    }

    private static TokenGrant grant(TokenResult result) {
        assertThat(result).isInstanceOf(TokenGrant.class);
        return (TokenGrant) result;
    }

    // ------------------------------------------------------------------------------------------------- catalog

    @Test
    void whenItsCatalogEntryIsLoadedThenEveryUrlPointsAtTheLoopbackPortOverHttp() {
        Provider provider = provider(new ScriptedProvider.CatalogOptions().rateLimit(5, 1).rotates(true));

        assertThat(provider.allowInsecureForTesting()).isTrue();
        ConnectionUrls urls = provider.resolveUrls(Map.of());
        assertThat(urls.authorize()).isEqualTo(scripted.authorizeUri());
        assertThat(urls.token()).isEqualTo(scripted.tokenUri());
        assertThat(urls.refresh()).isEqualTo(scripted.tokenUri());
        assertThat(urls.api()).isEqualTo(scripted.apiUri());
        assertThat(urls.token().getPort()).isEqualTo(scripted.port());
        assertThat(provider.revocation()).isNotNull();
        assertThat(provider.refreshToken().rotates()).isTrue();
        assertThat(provider.errors().errorWhen()).isNotNull();
        assertThat(provider.rateLimit()).isEqualTo(new RateLimit(5, Duration.ofSeconds(1), RateLimit.Scope.APP, null));
        assertThat(provider.tokenRequest().clientAuth()).isEqualTo(ClientAuthMethod.CLIENT_SECRET_BASIC);
    }

    @Test
    void whenTheCatalogOptionsVaryThenEveryCombinationLoads() {
        List<ScriptedProvider.CatalogOptions> variants = List.of(
                new ScriptedProvider.CatalogOptions().expiryPolicy("unknown"),
                new ScriptedProvider.CatalogOptions().expiryPolicy("never").revocation(false),
                new ScriptedProvider.CatalogOptions().expiryPolicy("fixed").lifetimeSeconds(300).skewSeconds(0),
                new ScriptedProvider.CatalogOptions().whenAbsent("never").okFalseSignalsError(false),
                new ScriptedProvider.CatalogOptions().clientAuth(ClientAuthMethod.CLIENT_SECRET_POST)
                        .bodyFormat("json").pkce("none"),
                new ScriptedProvider.CatalogOptions().reauthCodes("invalid_auth", "token_revoked")
                        .transientCodes("ratelimited").rateLimit(8, 60, "user"));

        for (ScriptedProvider.CatalogOptions options : variants) {
            assertThat(provider(options).id()).isEqualTo("scripted");
        }
        assertThat(provider(variants.get(0)).expiry().policy()).isEqualTo(ExpiryPolicy.Kind.UNKNOWN);
        assertThat(provider(variants.get(2)).expiry().fixedLifetime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(provider(variants.get(4)).tokenRequest().bodyFormat()).isEqualTo(BodyFormat.JSON);
        assertThat(provider(variants.get(4)).authorize().pkce()).isEqualTo(PkceMethod.NONE);
    }

    @Test
    void whenTheEntryDoesNotAllowInsecureForTestingThenItsHttpUrlsAreRefused() throws Exception {
        String yaml = scripted.catalogYaml("scripted").replace("allowInsecureForTesting: true",
                "allowInsecureForTesting: false");
        Files.writeString(catalogDir.resolve("scripted.yaml"), yaml);

        assertThatThrownBy(() -> new ProviderCatalog(catalogDir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("provider 'scripted': /urls/token: must be an https URL template");
    }

    @Test
    void whenAnInsecureEntryPointsAtAPortOnANonLoopbackHostThenItIsRefused() throws Exception {
        String yaml = scripted.catalogYaml("scripted").replace("http://127.0.0.1:", "http://192.0.2.1:");
        Files.writeString(catalogDir.resolve("scripted.yaml"), yaml);

        assertThatThrownBy(() -> new ProviderCatalog(catalogDir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("/urls/token: may use http only to a loopback host");
    }

    // ------------------------------------------------------------------------------------------- code exchange

    @Test
    void whenTheUserApprovesThenTheCodeExchangeWithPkceGivesLiveTokens() throws Exception {
        Provider provider = provider();

        TokenGrant grant = connect(provider);

        assertThat(grant.refreshToken()).isNotNull();
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.PROVIDER);
        assertThat(grant.statedLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(grant.scopes()).containsExactly("read", "write");
        assertThat(callApi(grant.accessToken())).isEqualTo(200);
        assertThat(scripted.tokenCalls("authorization_code")).isEqualTo(1);
        assertThat(scripted.authorizations()).isEqualTo(1);
        assertThat(scripted.liveAccessTokens()).isEqualTo(1);
        String grantId = scripted.grantOf(grant.accessToken().reveal());
        assertThat(scripted.grantOf(grant.refreshToken().reveal())).isEqualTo(grantId);
        assertThat(scripted.subjectOf(grantId)).isEqualTo("user@example.com");
    }

    @Test
    void whenTheCodeVerifierIsWrongThenTheExchangeIsInvalidGrant() {
        Provider provider = provider();
        Authorized authorized = authorize(provider);

        Secret otherVerifier = Pkce.generate(PkceMethod.S256, RANDOM).verifier();

        TokenResult result = exchange(provider, authorized, CALLBACK, otherVerifier);

        assertThat(error(result).code()).isEqualTo("invalid_grant");
        assertThat(error(result).category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
    }

    @Test
    void whenACodeIsExchangedTwiceThenTheSecondFailsAndTheFirstGrantsTokensDie() throws Exception {
        Provider provider = provider();
        Authorized authorized = authorize(provider);

        TokenGrant first = grant(exchange(provider, authorized, CALLBACK, authorized.pkce().verifier()));
        ProviderError second = error(exchange(provider, authorized, CALLBACK, authorized.pkce().verifier()));

        assertThat(second.code()).isEqualTo("invalid_grant");
        assertThat(callApi(first.accessToken())).isEqualTo(401);
    }

    @Test
    void whenTheCodeIsExchangedAfterItsLifetimeThenItIsInvalidGrant() {
        Provider provider = provider();
        Authorized authorized = authorize(provider);
        scripted.advanceClock(ScriptedProvider.CODE_LIFETIME);

        TokenResult result = exchange(provider, authorized, CALLBACK, authorized.pkce().verifier());

        assertThat(error(result).description()).isEqualTo("authorization code expired");
    }

    @Test
    void whenTheRedirectUriDiffersAtTheExchangeThenItIsInvalidGrant() {
        Provider provider = provider();
        Authorized authorized = authorize(provider);

        TokenResult result = exchange(provider, authorized, URI.create("https://evil.example/cb"),
                authorized.pkce().verifier());

        assertThat(error(result).code()).isEqualTo("invalid_grant");
    }

    @Test
    void whenTheUserDeniesThenTheCallbackCarriesAccessDeniedAndTheState() {
        Provider provider = provider();
        scripted.denyAuthorization(true);
        URI authorize = AuthorizationUrls.build(provider, provider.resolveUrls(Map.of()), new AuthorizationRequest(
                scripted.credentials(), CALLBACK, "state-9", List.of(), Pkce.forProvider(provider, RANDOM), null));

        URI callback = scripted.approve(authorize);

        assertThat(callback.toString()).startsWith(CALLBACK.toString() + "?");
        assertThat(ScriptedProvider.queryParameters(callback))
                .containsEntry("error", "access_denied").containsEntry("state", "state-9").doesNotContainKey("code");
        assertThat(scripted.authorizations()).isZero();
    }

    @Test
    void whenAnIssuerIsSetThenEveryAuthorizationResponseCarriesItAndTheCatalogEntryStatesIt() {
        String issuer = scripted.baseUri().toString();
        Provider provider = provider(new ScriptedProvider.CatalogOptions().issuer(issuer).issParameterSupported(true));
        scripted.issuer(issuer);
        URI authorize = AuthorizationUrls.build(provider, provider.resolveUrls(Map.of()), new AuthorizationRequest(
                scripted.credentials(), CALLBACK, "s", List.of(), Pkce.forProvider(provider, RANDOM), null));

        Map<String, String> approved = ScriptedProvider.queryParameters(scripted.approve(authorize));
        scripted.denyAuthorization(true);
        Map<String, String> denied = ScriptedProvider.queryParameters(scripted.approve(authorize));

        assertThat(approved).containsKey("code").containsEntry("iss", issuer);
        assertThat(denied).containsEntry("error", "access_denied").containsEntry("iss", issuer);
        assertThat(provider.resolveUrls(Map.of()).issuer()).hasToString(issuer);
        assertThat(provider.authorize().issParameterSupported()).isTrue();
    }

    @Test
    void whenTheClientIdOrRedirectUriIsWrongThenTheProviderDoesNotRedirect() {
        Provider provider = provider();
        ConnectionUrls urls = provider.resolveUrls(Map.of());
        PkcePair pkce = Pkce.forProvider(provider, RANDOM);
        URI wrongClient = AuthorizationUrls.build(provider, urls, new AuthorizationRequest(
                new ClientCredentials("someone-else", null), CALLBACK, "s", List.of(), pkce, null));
        scripted.registeredRedirectUri(URI.create("https://broker.example/other"));
        URI wrongRedirect = AuthorizationUrls.build(provider, urls, new AuthorizationRequest(
                scripted.credentials(), CALLBACK, "s", List.of(), pkce, null));

        assertThatThrownBy(() -> scripted.approve(wrongClient)).hasMessageContaining("HTTP 400");
        assertThatThrownBy(() -> scripted.approve(wrongRedirect)).hasMessageContaining("HTTP 400");
    }

    @Test
    void whenPkceIsRequiredAndTheCatalogSendsNoneThenTheAuthorizationFails() {
        scripted.requirePkce(true);
        Provider provider = provider(new ScriptedProvider.CatalogOptions().pkce("none"));
        URI authorize = AuthorizationUrls.build(provider, provider.resolveUrls(Map.of()),
                new AuthorizationRequest(scripted.credentials(), CALLBACK, "s", List.of(), null, null));

        assertThat(ScriptedProvider.queryParameters(scripted.approve(authorize)))
                .containsEntry("error", "invalid_request").containsEntry("state", "s");
    }

    @Test
    void whenTheClientSecretIsWrongThenItIsInvalidClientNotAReconnect() {
        Provider provider = provider();
        TokenGrant grant = connect(provider);

        ProviderError error = error(refresh(provider,
                new ClientCredentials(scripted.clientId(), Secret.of("wrong")), grant.refreshToken()));

        assertThat(error.status()).isEqualTo(401);
        assertThat(error.code()).isEqualTo("invalid_client");
        assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
        assertThat(scripted.presentationsOf(grant.refreshToken().reveal())).as("not looked at").isZero();
    }

    @Test
    void whenTheCatalogSaysBasicButTheProviderWantsPostThenTheClientIsRefused() {
        Provider basic = provider(
                new ScriptedProvider.CatalogOptions().clientAuth(ClientAuthMethod.CLIENT_SECRET_BASIC));
        TokenGrant grant = connect(basic);
        scripted.clientAuth(ClientAuthMethod.CLIENT_SECRET_POST);

        assertThat(error(refresh(basic, grant.refreshToken())).code()).isEqualTo("invalid_client");
    }

    @Test
    void whenTheCatalogUsesPostAndJsonBodiesThenTheProviderReadsThem() throws Exception {
        scripted.clientAuth(ClientAuthMethod.CLIENT_SECRET_POST);
        Provider provider = provider(new ScriptedProvider.CatalogOptions().bodyFormat("json"));

        TokenGrant grant = connect(provider);
        TokenGrant refreshed = grant(refresh(provider, grant.refreshToken()));

        assertThat(callApi(refreshed.accessToken())).isEqualTo(200);
    }

    // -------------------------------------------------------------------------------------------------- refresh

    @Test
    void whenRefreshTokensRotateThenTheOldOneFailsWithInvalidGrantAndTheUserMustReconnect() throws Exception {
        scripted.rotateRefreshTokens(true);
        Provider provider = provider();
        TokenGrant connected = connect(provider);

        TokenGrant refreshed = grant(refresh(provider, connected.refreshToken()));
        ProviderError reused = error(refresh(provider, connected.refreshToken()));

        assertThat(refreshed.refreshToken()).isNotNull().isNotEqualTo(connected.refreshToken());
        assertThat(reused.code()).isEqualTo("invalid_grant");
        assertThat(reused.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(scripted.maxRefreshesOfOneRefreshToken()).as("double refresh detected").isEqualTo(2);
        assertThat(scripted.refreshesOfGrant(scripted.grantOf(connected.accessToken().reveal()))).isEqualTo(1);
        assertThat(grant(refresh(provider, refreshed.refreshToken())).accessToken()).isNotNull();
        assertThat(callApi(refreshed.accessToken())).isEqualTo(200);
    }

    @Test
    void whenReuseDetectionIsOnThenPresentingARotatedTokenKillsTheWholeGrant() throws Exception {
        scripted.rotateRefreshTokens(true).revokeGrantOnRefreshTokenReuse(true);
        Provider provider = provider();
        TokenGrant connected = connect(provider);
        TokenGrant refreshed = grant(refresh(provider, connected.refreshToken()));

        error(refresh(provider, connected.refreshToken()));

        assertThat(error(refresh(provider, refreshed.refreshToken())).code()).isEqualTo("invalid_grant");
        assertThat(callApi(refreshed.accessToken())).isEqualTo(401);
    }

    @Test
    void whenRefreshTokensDoNotRotateThenTheResponseOmitsOneAndTheStoredOneKeepsWorking() {
        Provider provider = provider();
        TokenGrant connected = connect(provider);

        TokenGrant first = grant(refresh(provider, connected.refreshToken()));
        TokenGrant second = grant(refresh(provider, first.refreshTokenToStore(connected.refreshToken())));

        assertThat(first.refreshToken()).isNull();
        assertThat(second.accessToken()).isNotEqualTo(first.accessToken());
        assertThat(scripted.refreshesPerGrant()).containsValue(2);
        assertThat(scripted.tokenCalls("refresh_token")).isEqualTo(2);
    }

    @Test
    void whenNoRefreshTokensAreIssuedThenTheGrantHasNone() {
        scripted.issueRefreshTokens(false);

        assertThat(connect(provider()).refreshToken()).isNull();
    }

    @Test
    void whenTheUserRevokesEverythingThenRefreshesAreInvalidGrantAndTokensAre401() throws Exception {
        Provider provider = provider();
        TokenGrant alice = connect(provider);

        scripted.revokeAllGrants();

        assertThat(error(refresh(provider, alice.refreshToken())).category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(callApi(alice.accessToken())).isEqualTo(401);
        assertThat(scripted.liveAccessTokens()).isZero();
        TokenGrant again = connect(provider);
        assertThat(callApi(again.accessToken())).as("reconnecting works").isEqualTo(200);
    }

    @Test
    void whenTheBrokerRevokesTheRefreshTokenThenTheProviderRecordsItAndTheGrantDies() throws Exception {
        Provider provider = provider();
        TokenGrant grant = connect(provider);

        ProviderResponse response = client.send(TokenRequests.revocation(provider, provider.resolveUrls(Map.of()),
                scripted.credentials(), grant.refreshToken()));

        assertThat(response.status()).isEqualTo(200);
        assertThat(scripted.revokedTokens()).containsExactly(grant.refreshToken().reveal());
        assertThat(callApi(grant.accessToken())).isEqualTo(401);
        assertThat(error(refresh(provider, grant.refreshToken())).code()).isEqualTo("invalid_grant");
    }

    // ---------------------------------------------------------------------------------------------- lifetimes

    @Test
    void whenTheActualLifetimeIsShorterThanStatedThenTheApiRejectsTheTokenBeforeItsStatedExpiry() throws Exception {
        scripted.statedExpiresIn(Duration.ofHours(1)).actualLifetime(Duration.ofMinutes(5));
        TokenGrant grant = connect(provider());

        assertThat(callApi(grant.accessToken())).isEqualTo(200);
        scripted.advanceClock(Duration.ofMinutes(5));

        assertThat(grant.expiresAt()).isAfter(scripted.now());
        assertThat(callApi(grant.accessToken())).isEqualTo(401);
        assertThat(scripted.isLive(grant.accessToken().reveal())).isFalse();
        assertThat(scripted.apiRejections()).isEqualTo(1);
    }

    @Test
    void whenExpiresInIsOmittedAndThePolicyIsUnknownThenTheGrantHasNoExpiryButTheTokenStillDies() throws Exception {
        scripted.statedExpiresIn(null).actualLifetime(Duration.ofMinutes(30));
        TokenGrant grant = connect(provider(new ScriptedProvider.CatalogOptions().expiryPolicy("unknown")));

        assertThat(grant.expirySource()).isEqualTo(ExpirySource.UNKNOWN);
        assertThat(grant.expiresAt()).isNull();
        scripted.advanceClock(Duration.ofMinutes(31));
        assertThat(callApi(grant.accessToken())).as("refresh on 401").isEqualTo(401);
    }

    @Test
    void whenExpiresInIsOmittedAndNoActualLifetimeIsSetThenTheTokenNeverDies() throws Exception {
        scripted.statedExpiresIn(null);
        TokenGrant grant = connect(provider(new ScriptedProvider.CatalogOptions().expiryPolicy("never")));

        scripted.advanceClock(Duration.ofDays(365));

        assertThat(grant.expirySource()).isEqualTo(ExpirySource.NEVER);
        assertThat(callApi(grant.accessToken())).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------ misbehaviour

    @Test
    void whenTheProviderAnswers200WithOkFalseThenTheCatalogClassifiesTheError() {
        Provider provider = provider(new ScriptedProvider.CatalogOptions().reauthCodes("invalid_auth")
                .transientCodes("ratelimited"));
        TokenGrant grant = connect(provider);
        scripted.answerNextTokenCallsWithOkFalse(1, "invalid_auth").answerNextTokenCallsWithOkFalse(1, "ratelimited");

        ProviderError reauth = error(refresh(provider, grant.refreshToken()));
        ProviderError transientError = error(refresh(provider, grant.refreshToken()));
        TokenResult afterwards = refresh(provider, grant.refreshToken());

        assertThat(reauth.status()).isEqualTo(200);
        assertThat(reauth.code()).isEqualTo("invalid_auth");
        assertThat(reauth.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(transientError.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(afterwards).isInstanceOf(TokenGrant.class);
    }

    @Test
    void whenOkFalseIsNotDeclaredAsAnErrorSignalThenTheBodyIsStillNoGrant() {
        Provider provider = provider(new ScriptedProvider.CatalogOptions().okFalseSignalsError(false));
        TokenGrant grant = connect(provider);
        scripted.answerNextTokenCallsWithOkFalse(1, "invalid_auth");

        ProviderError error = error(refresh(provider, grant.refreshToken()));

        assertThat(error.code()).isEqualTo("invalid_auth");
        assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
    }

    @Test
    void whenTheProviderAnswers429WithRetryAfterThenTheErrorIsTransientWithThatDelay() {
        Provider provider = provider();
        TokenGrant grant = connect(provider);
        scripted.rateLimitNextTokenCalls(2, Duration.ofSeconds(7));

        ProviderError first = error(refresh(provider, grant.refreshToken()));
        ProviderError second = error(refresh(provider, grant.refreshToken()));

        assertThat(first.status()).isEqualTo(429);
        assertThat(first.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(first.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(second.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(refresh(provider, grant.refreshToken())).isInstanceOf(TokenGrant.class);
    }

    @Test
    void whenTheProviderFailsWith500And503ThenTheErrorsAreTransient() {
        Provider provider = provider();
        TokenGrant grant = connect(provider);
        scripted.failNextTokenCalls(1, 500).failNextTokenCalls(1, 503);

        ProviderError serverError = error(refresh(provider, grant.refreshToken()));
        ProviderError unavailable = error(refresh(provider, grant.refreshToken()));

        assertThat(serverError.status()).isEqualTo(500);
        assertThat(serverError.code()).isEqualTo("server_error");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(List.of(serverError.category(), unavailable.category())).containsOnly(ErrorCategory.TRANSIENT);
        assertThat(scripted.presentationsOf(grant.refreshToken().reveal())).as("failed before looking").isZero();
    }

    @Test
    void whenTheProviderIsSlowerThanTheClientTimeoutThenTheExchangeTimesOut() {
        Provider provider = provider();
        TokenGrant grant = connect(provider);
        scripted.tokenDelay(Duration.ofSeconds(3));
        ProviderClient impatient = new ProviderClient(ProviderClient.defaultHttpClient(Duration.ofSeconds(1)),
                Duration.ofMillis(200));

        TokenResult result = impatient.exchange(provider, TokenRequests.refresh(provider,
                provider.resolveUrls(Map.of()), scripted.credentials(), grant.refreshToken(), List.of()), Map.of(),
                scripted.now());

        assertThat(error(result).code()).isEqualTo("timeout");
        assertThat(error(result).category()).isEqualTo(ErrorCategory.TRANSIENT);
    }

    @Test
    void whenTheHardRateLimitIsExceededThenTheExcessIs429AndCountedAsViolations() {
        Provider provider = provider();
        TokenGrant grant = connect(provider);
        scripted.resetCounters();
        scripted.hardRateLimit(3);

        List<TokenResult> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(refresh(provider, grant.refreshToken()));
        }

        assertThat(results.stream().filter(TokenGrant.class::isInstance)).hasSize(3);
        assertThat(results.stream().filter(ProviderError.class::isInstance).map(ProviderError.class::cast))
                .hasSize(2)
                .allSatisfy(e -> {
                    assertThat(e.category()).isEqualTo(ErrorCategory.TRANSIENT);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
                });
        assertThat(scripted.rateLimitViolations()).isEqualTo(2);
        assertThat(scripted.tokenCalls()).isEqualTo(5);
    }

    @Test
    void whenTheBrokersLimiterGuardsTheCallsThenTheProviderSeesNoViolation() throws Exception {
        Provider provider = provider();
        TokenGrant grant = connect(provider);
        scripted.hardRateLimit(12);
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("scripted", 10), 3, System::nanoTime);

        List<Future<TokenResult>> calls = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 15; i++) {
                calls.add(threads.submit(() -> {
                    assertThat(limiter.acquire("scripted", Duration.ofSeconds(5))).isTrue();
                    return refresh(provider, grant.refreshToken());
                }));
            }
        }

        for (Future<TokenResult> call : calls) {
            assertThat(call.get()).isInstanceOf(TokenGrant.class);
        }
        assertThat(scripted.rateLimitViolations()).isZero();
    }

    @Test
    void whenTwoRefreshesOfOneGrantOverlapThenTheProviderSeesTheConcurrency() throws Exception {
        scripted.rotateRefreshTokens(true);
        Provider provider = provider();
        TokenGrant grant = connect(provider);
        scripted.tokenDelay(Duration.ofMillis(200));

        List<Future<TokenResult>> both = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 2; i++) {
                both.add(threads.submit(() -> refresh(provider, grant.refreshToken())));
            }
        }

        List<TokenResult> results = List.of(both.get(0).get(), both.get(1).get());
        assertThat(results).filteredOn(TokenGrant.class::isInstance).hasSize(1);
        assertThat(results).filteredOn(ProviderError.class::isInstance).hasSize(1);
        assertThat(scripted.maxConcurrentTokenCalls()).isEqualTo(2);
        assertThat(scripted.maxConcurrentRefreshesOfOneGrant()).isEqualTo(2);
        assertThat(scripted.maxRefreshesOfOneRefreshToken()).isEqualTo(2);
    }
}
