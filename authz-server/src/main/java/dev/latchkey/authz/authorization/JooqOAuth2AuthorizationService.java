package dev.latchkey.authz.authorization;

import static dev.latchkey.db.Tables.OAUTH_GRANTS;
import static dev.latchkey.db.Tables.OAUTH_TOKENS;
import static dev.latchkey.db.Tables.USERS;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.Fingerprints;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.client.JooqRegisteredClientRepository;
import dev.latchkey.authz.hashing.TokenHasher;
import dev.latchkey.db.tables.OauthTokens;
import dev.latchkey.db.tables.records.OauthGrantsRecord;
import dev.latchkey.db.tables.records.OauthTokensRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.impl.DSL;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * Spring Authorization Server's authorization store on PostgreSQL, keeping hashes only.
 *
 * <p>A grant row ({@code oauth_grants}) is one {@link OAuth2Authorization}; each issued code or token is a row in
 * {@code oauth_tokens} holding the keyed hash of its value, found through one unique index. A loaded authorization
 * carries the presented value for the token it was found by, and an opaque placeholder (the stored hash) for the
 * others, which no endpoint accepts as a token. Presenting a rotated-away refresh token revokes its whole grant
 * (RFC 9700 §4.14.2), and so does presenting a used authorization code (RFC 6749 §4.1.2); either is audited as
 * denied in the revocation's transaction. New client-credentials grants are audited ({@code token.issued}) in the
 * issuance batch's transaction; the other token events are recorded by {@link AuditedTokenProvider}.
 */
public final class JooqOAuth2AuthorizationService implements OAuth2AuthorizationService, AutoCloseable {

    private static final OAuth2TokenType STATE = new OAuth2TokenType(OAuth2ParameterNames.STATE);
    private static final OAuth2TokenType CODE = new OAuth2TokenType(OAuth2ParameterNames.CODE);
    private static final OauthTokens TOKEN = OAUTH_TOKENS.as("t");
    /** Placeholders start with a character no issued value contains. */
    private static final String PLACEHOLDER = "#";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    /** How hashes travel inside the save statement (PostgreSQL's decode(…, 'base64') reads standard Base64). */
    private static final Base64.Encoder HASH_TEXT = Base64.getEncoder();

    private final DSLContext dsl;
    private final TokenHasher hasher;
    private final AttributeCodec codec = new AttributeCodec();
    private final IssuanceBatcher issuance;
    private final JooqRegisteredClientRepository clients;
    private final AuditTrail audit;
    /** The introspection hot path's query, rendered once: jOOQ rendering cost more than the query itself. */
    private final String findByTokenSql;
    private final Field<?>[] findByTokenFields;

    public JooqOAuth2AuthorizationService(DSLContext dsl, TokenHasher hasher, JooqRegisteredClientRepository clients,
            AuditTrail audit) {
        this.dsl = dsl;
        this.hasher = hasher;
        this.clients = clients;
        this.audit = audit;
        this.issuance = new IssuanceBatcher(dsl, codec::writeJson, 1, audit);
        OauthTokens m = OAUTH_TOKENS.as("m");
        var byToken = dsl.select(OAUTH_GRANTS.fields()).select(TOKEN.fields())
                .from(m)
                .join(OAUTH_GRANTS).on(OAUTH_GRANTS.ID.eq(m.GRANT_ID))
                .join(TOKEN).on(TOKEN.GRANT_ID.eq(OAUTH_GRANTS.ID).and(TOKEN.ID.eq(m.ID).or(TOKEN.INVALIDATED_AT.isNull())))
                .where(m.TOKEN_HASH.eq(new byte[0]));
        this.findByTokenSql = byToken.getSQL();
        this.findByTokenFields = byToken.getSelect().toArray(Field[]::new);
    }

    /** Stops the issuance writers (on shutdown). */
    @Override
    public void close() {
        issuance.close();
    }

    @Override
    public void save(OAuth2Authorization authorization) {
        Map<String, Object> attributes = new LinkedHashMap<>(authorization.getAttributes());
        Object state = attributes.remove(OAuth2ParameterNames.STATE);
        byte[] stateHash = state instanceof String value ? hashOf(value) : null;
        String attributesJson = codec.write(attributes);
        List<OauthTokensRecord> tokens = tokenRows(authorization);
        boolean userGrant = AuthorizationGrantType.AUTHORIZATION_CODE.equals(authorization.getAuthorizationGrantType());
        if (isNewClientCredentialsGrant(authorization, tokens, stateHash)) {
            Map<String, Object> row = tokenFields(tokens.get(0));
            row.put("id", authorization.getId());
            row.put("app_id", authorization.getRegisteredClientId());
            row.put("principal_name", authorization.getPrincipalName());
            row.put("grant_type", authorization.getAuthorizationGrantType().getValue());
            row.put("grant_scopes", List.copyOf(authorization.getAuthorizedScopes()));
            row.put("attributes", attributesJson);
            issuance.write(row, issuedEvent(authorization, tokens.get(0)));
            return;
        }
        // Every other save is one statement, one round trip, atomic: upsert the grant, upsert its tokens, and
        // invalidate the tokens the authorization no longer holds (superseded by rotation). Plain JDBC with a
        // constant statement: the driver prepares it once per connection and nothing is rendered per request.
        String tokensJson = codec.writeJson(tokens.stream().map(JooqOAuth2AuthorizationService::tokenFields).toList());
        String[] keptHashes = tokens.stream().map(t -> HASH_TEXT.encodeToString(t.getTokenHash())).toArray(String[]::new);
        dsl.connection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(SAVE_SQL)) {
                statement.setString(1, authorization.getId());
                statement.setObject(2, UUID.fromString(authorization.getRegisteredClientId()));
                statement.setString(3, authorization.getPrincipalName());
                statement.setBoolean(4, userGrant);
                statement.setString(5, authorization.getPrincipalName());
                statement.setString(6, authorization.getAuthorizationGrantType().getValue());
                statement.setArray(7, connection.createArrayOf("text", authorization.getAuthorizedScopes().toArray()));
                statement.setString(8, attributesJson);
                statement.setBytes(9, stateHash);
                statement.setString(10, tokensJson);
                statement.setArray(11, connection.createArrayOf("text", keptHashes));
                statement.executeQuery().close();
            }
        });
    }

    /**
     * Upserts a grant and its tokens. Tokens travel as one JSON array (hash Base64-encoded, metadata as JSON
     * text); superseded tokens of an existing grant are invalidated in the same statement.
     */
    private static final String SAVE_SQL = """
            with g as (
                insert into oauth_grants (id, app_id, principal_name, user_id, grant_type, scopes, attributes, state_hash)
                values (?, ?, ?, case when ? then (select u.id from users u where u.username = ?) end,
                        ?, ?, cast(? as jsonb), ?)
                on conflict (id) do update set scopes = excluded.scopes, attributes = excluded.attributes,
                        state_hash = excluded.state_hash
                returning id, (xmax = 0) as inserted
            ), v as (
                select * from jsonb_to_recordset(cast(? as jsonb)) as v(kind text, token_hash text, scopes text[],
                        metadata text, issued_at timestamptz, expires_at timestamptz, invalidated boolean)
            ), t as (
                insert into oauth_tokens (grant_id, kind, token_hash, scopes, metadata, issued_at, expires_at, invalidated_at)
                select g.id, v.kind, decode(v.token_hash, 'base64'),
                       coalesce(v.scopes, '{}'), cast(v.metadata as jsonb), v.issued_at, v.expires_at,
                       case when v.invalidated then now() end
                from g, v
                on conflict (token_hash) do update set metadata = excluded.metadata,
                        invalidated_at = coalesce(oauth_tokens.invalidated_at, excluded.invalidated_at)
                    where oauth_tokens.grant_id = excluded.grant_id
                returning 1
            ), s as (
                update oauth_tokens set invalidated_at = now()
                where grant_id = (select id from g) and not (select inserted from g) and invalidated_at is null
                  and token_hash <> all (select decode(h, 'base64') from unnest(cast(? as text[])) as h)
                returning 1
            )
            select (select count(*) from t) as tokens, (select count(*) from s) as superseded
            """;

    /** One token as the JSON object the save statements read (metadata stays in its typed encoding, as text). */
    private static Map<String, Object> tokenFields(OauthTokensRecord token) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", token.getKind());
        row.put("token_hash", HASH_TEXT.encodeToString(token.getTokenHash()));
        row.put("scopes", Arrays.asList(token.getScopes()));
        row.put("metadata", token.getMetadata().data());
        row.put("issued_at", token.getIssuedAt().toString());
        row.put("expires_at", token.getExpiresAt() == null ? null : token.getExpiresAt().toString());
        row.put("invalidated", token.getInvalidatedAt() != null);
        return row;
    }

    /** {@code token.issued} for a new client-credentials grant: built on the request thread (its source is read here). */
    private AuditEvent issuedEvent(OAuth2Authorization authorization, OauthTokensRecord token) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("grant_type", authorization.getAuthorizationGrantType().getValue());
        details.put("app_id", authorization.getRegisteredClientId());
        details.put("scopes", authorization.getAuthorizedScopes().stream().sorted().toList());
        details.put("access_token", Fingerprints.of(token.getTokenHash()));
        return audit.event(Actor.app(authorization.getPrincipalName()), "token.issued", Outcome.SUCCESS, "grant",
                authorization.getId(), null, details);
    }

    /**
     * A client-credentials grant is saved active exactly once, when its token is issued; later saves (revocation)
     * carry an invalidated token and take the general path.
     */
    private static boolean isNewClientCredentialsGrant(OAuth2Authorization authorization, List<OauthTokensRecord> tokens,
            byte[] stateHash) {
        return AuthorizationGrantType.CLIENT_CREDENTIALS.equals(authorization.getAuthorizationGrantType())
                && stateHash == null
                && tokens.size() == 1
                && tokens.get(0).getInvalidatedAt() == null
                && "access_token".equals(tokens.get(0).getKind());
    }

    @Override
    public void remove(OAuth2Authorization authorization) {
        dsl.deleteFrom(OAUTH_GRANTS).where(OAUTH_GRANTS.ID.eq(authorization.getId())).execute();
    }

    @Override
    public OAuth2Authorization findById(String id) {
        if (id == null || id.length() > 200) {
            return null;
        }
        Result<Record> rows = dsl.select(OAUTH_GRANTS.fields()).select(TOKEN.fields())
                .from(OAUTH_GRANTS)
                .leftJoin(TOKEN).on(TOKEN.GRANT_ID.eq(OAUTH_GRANTS.ID).and(TOKEN.INVALIDATED_AT.isNull()))
                .where(OAUTH_GRANTS.ID.eq(id))
                .fetch();
        return rows.isEmpty() ? null : toAuthorization(rows, null, null, null, false);
    }

    @Override
    public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        if (token == null || token.isEmpty() || token.length() > 8192) {
            return null;
        }
        if (STATE.equals(tokenType)) {
            return findByState(token);
        }
        byte[] hash = hasher.hashToken(token);
        Result<Record> rows = dsl.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(findByTokenSql)) {
                statement.setBytes(1, hash);
                try (ResultSet resultSet = statement.executeQuery()) {
                    return dsl.fetch(resultSet, findByTokenFields);
                }
            }
        });
        if (rows.isEmpty()) {
            return tokenType == null ? findByState(token) : null;
        }
        OauthTokensRecord matched = rows.stream().map(r -> r.into(TOKEN))
                .filter(r -> TokenHasher.equal(r.getTokenHash(), hash)).findFirst().orElseThrow();
        if (tokenType != null && !tokenType.getValue().equals(typeOf(matched.getKind()).getValue())) {
            return null;
        }
        OauthGrantsRecord grant = rows.get(0).into(OAUTH_GRANTS);
        if (OAuth2TokenType.REFRESH_TOKEN.equals(tokenType) && matched.getInvalidatedAt() != null
                && grant.getRevokedAt() == null) {
            revokeDetected(grant, matched, "refresh_token_reuse", "token.refresh_reuse_detected");
            return toAuthorization(rows, matched, token, null, true);
        }
        if (CODE.equals(tokenType) && matched.getInvalidatedAt() != null
                && grant.getRevokedAt() == null) {
            revokeDetected(grant, matched, "authorization_code_replay", "token.code_replay_detected");
            return toAuthorization(rows, matched, token, null, true);
        }
        return toAuthorization(rows, matched, token, null, false);
    }

    /** Revokes one grant and every token in it. */
    public void revokeGrant(String grantId, String reason) {
        dsl.transaction(tx -> revokeGrant(tx.dsl(), grantId, reason));
    }

    private static int revokeGrant(DSLContext db, String grantId, String reason) {
        db.update(OAUTH_GRANTS).set(OAUTH_GRANTS.REVOKED_AT, OffsetDateTime.now())
                .set(OAUTH_GRANTS.REVOKED_REASON, reason)
                .where(OAUTH_GRANTS.ID.eq(grantId)).and(OAUTH_GRANTS.REVOKED_AT.isNull()).execute();
        return db.update(OAUTH_TOKENS).set(OAUTH_TOKENS.INVALIDATED_AT, OffsetDateTime.now())
                .where(OAUTH_TOKENS.GRANT_ID.eq(grantId)).and(OAUTH_TOKENS.INVALIDATED_AT.isNull()).execute();
    }

    /**
     * A spent refresh token or code was presented again: the grant (the token family) is revoked and the attempt
     * audited as denied, in one transaction. The actor is the grant's app, whose credential was replayed; details
     * carry the presented value's fingerprint, never the value.
     */
    private void revokeDetected(OauthGrantsRecord grant, OauthTokensRecord presented, String reason, String action) {
        RegisteredClient client = clients.findById(grant.getAppId().toString());
        String clientId = client == null ? grant.getAppId().toString() : client.getClientId();
        audit.inTransaction(() -> {
            int revoked = revokeGrant(dsl, grant.getId(), reason);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("reason", reason);
            details.put("grant_type", grant.getGrantType());
            details.put("subject", grant.getPrincipalName());
            details.put("token_kind", presented.getKind());
            details.put("token", Fingerprints.of(presented.getTokenHash()));
            details.put("tokens_revoked", revoked);
            audit.record(Actor.app(clientId), action, Outcome.DENIED, "grant", grant.getId(), null, details);
            return null;
        });
    }

    /** What is stored for an issued value, found by its keyed hash: for audit records, never holding the value. */
    public record IssuedToken(String grantId, String grantType, String subject, String kind, String fingerprint) {}

    /** The stored token {@code value} is, revoked or not; empty if Latchkey never issued it. */
    public Optional<IssuedToken> describe(String value) {
        if (value == null || value.isEmpty() || value.length() > 8192) {
            return Optional.empty();
        }
        byte[] hash = hasher.hashToken(value);
        return dsl.select(OAUTH_GRANTS.ID, OAUTH_GRANTS.GRANT_TYPE, OAUTH_GRANTS.PRINCIPAL_NAME, OAUTH_TOKENS.KIND)
                .from(OAUTH_TOKENS).join(OAUTH_GRANTS).on(OAUTH_GRANTS.ID.eq(OAUTH_TOKENS.GRANT_ID))
                .where(OAUTH_TOKENS.TOKEN_HASH.eq(hash))
                .fetchOptional(r -> new IssuedToken(r.value1(), r.value2(), r.value3(), r.value4(), Fingerprints.of(hash)));
    }

    /** The audit fingerprint of a presented or issued value (its keyed hash, cut to 128 bits). */
    public String fingerprint(String value) {
        return Fingerprints.of(hasher.hashToken(value));
    }

    /** Revokes every grant a user gave an app (consent withdrawn): all their tokens stop working at once. */
    public int revokeGrants(UUID appId, UUID userId, String reason) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            List<String> ids = db.update(OAUTH_GRANTS).set(OAUTH_GRANTS.REVOKED_AT, OffsetDateTime.now())
                    .set(OAUTH_GRANTS.REVOKED_REASON, reason)
                    .where(OAUTH_GRANTS.APP_ID.eq(appId)).and(OAUTH_GRANTS.USER_ID.eq(userId))
                    .and(OAUTH_GRANTS.REVOKED_AT.isNull())
                    .returning(OAUTH_GRANTS.ID).fetch(OAUTH_GRANTS.ID);
            db.update(OAUTH_TOKENS).set(OAUTH_TOKENS.INVALIDATED_AT, OffsetDateTime.now())
                    .where(OAUTH_TOKENS.GRANT_ID.in(ids)).and(OAUTH_TOKENS.INVALIDATED_AT.isNull()).execute();
            return ids.size();
        });
    }

    private OAuth2Authorization findByState(String state) {
        Result<Record> rows = dsl.select(OAUTH_GRANTS.fields()).select(TOKEN.fields())
                .from(OAUTH_GRANTS)
                .leftJoin(TOKEN).on(TOKEN.GRANT_ID.eq(OAUTH_GRANTS.ID).and(TOKEN.INVALIDATED_AT.isNull()))
                .where(OAUTH_GRANTS.STATE_HASH.eq(hasher.hashToken(state)))
                .fetch();
        return rows.isEmpty() ? null : toAuthorization(rows, null, null, state, false);
    }

    private OAuth2Authorization toAuthorization(Result<Record> rows, OauthTokensRecord matched,
            String presented, String presentedState, boolean revokedNow) {
        OauthGrantsRecord grant = rows.get(0).into(OAUTH_GRANTS);
        RegisteredClient client = clients.findById(grant.getAppId().toString());
        if (client == null) {
            return null;
        }
        Map<String, Object> attributes = codec.read(grant.getAttributes().data());
        if (grant.getStateHash() != null) {
            attributes.put(OAuth2ParameterNames.STATE,
                    presentedState != null ? presentedState : placeholder(grant.getStateHash()));
        }
        OAuth2Authorization.Builder builder = OAuth2Authorization.withRegisteredClient(client)
                .id(grant.getId())
                .principalName(grant.getPrincipalName())
                .authorizationGrantType(new AuthorizationGrantType(grant.getGrantType()))
                .authorizedScopes(new LinkedHashSet<>(Arrays.asList(grant.getScopes())))
                .attributes(a -> a.putAll(attributes));

        Map<String, OauthTokensRecord> current = new LinkedHashMap<>();
        for (Record row : rows) {
            OauthTokensRecord token = row.into(TOKEN);
            if (token.getId() == null) {
                continue;
            }
            boolean isMatched = matched != null && token.getId().equals(matched.getId());
            current.merge(token.getKind(), token, (a, b) -> preferred(a, b, matched));
            if (isMatched) {
                current.put(token.getKind(), token);
            }
        }
        boolean revoked = revokedNow || grant.getRevokedAt() != null;
        for (OauthTokensRecord row : current.values()) {
            String value = matched != null && row.getId().equals(matched.getId()) ? presented : placeholder(row.getTokenHash());
            Map<String, Object> metadata = codec.read(row.getMetadata().data());
            boolean invalidated = revoked || row.getInvalidatedAt() != null;
            builder.token(toToken(row, value, metadata), md -> {
                md.putAll(metadata);
                md.put(OAuth2Authorization.Token.INVALIDATED_METADATA_NAME, invalidated);
            });
        }
        return builder.build();
    }

    private static OauthTokensRecord preferred(OauthTokensRecord a, OauthTokensRecord b, OauthTokensRecord matched) {
        if (matched != null && a.getId().equals(matched.getId())) {
            return a;
        }
        return b.getId() > a.getId() ? b : a;
    }

    @SuppressWarnings("unchecked")
    private static OAuth2Token toToken(OauthTokensRecord row, String value, Map<String, Object> metadata) {
        Instant issued = row.getIssuedAt().toInstant();
        Instant expires = row.getExpiresAt() == null ? null : row.getExpiresAt().toInstant();
        return switch (row.getKind()) {
            case "authorization_code" -> new OAuth2AuthorizationCode(value, issued, expires);
            case "access_token" -> new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, value, issued, expires,
                    new LinkedHashSet<>(Arrays.asList(row.getScopes())));
            case "refresh_token" -> new OAuth2RefreshToken(value, issued, expires);
            case "id_token" -> new OidcIdToken(value, issued, expires,
                    (Map<String, Object>) metadata.get(OAuth2Authorization.Token.CLAIMS_METADATA_NAME));
            default -> throw new IllegalStateException("unknown token kind " + row.getKind());
        };
    }

    private List<OauthTokensRecord> tokenRows(OAuth2Authorization authorization) {
        List<OauthTokensRecord> rows = new ArrayList<>();
        addRow(rows, authorization.getToken(OAuth2AuthorizationCode.class), "authorization_code");
        addRow(rows, authorization.getToken(OAuth2AccessToken.class), "access_token");
        addRow(rows, authorization.getToken(OAuth2RefreshToken.class), "refresh_token");
        addRow(rows, authorization.getToken(OidcIdToken.class), "id_token");
        return rows;
    }

    private void addRow(List<OauthTokensRecord> rows, OAuth2Authorization.Token<? extends OAuth2Token> token, String kind) {
        if (token == null) {
            return;
        }
        OAuth2Token value = token.getToken();
        Map<String, Object> metadata = new LinkedHashMap<>(token.getMetadata());
        metadata.remove(OAuth2Authorization.Token.INVALIDATED_METADATA_NAME);
        OauthTokensRecord row = new OauthTokensRecord();
        row.setKind(kind);
        row.setTokenHash(hashOf(value.getTokenValue()));
        row.setScopes(value instanceof OAuth2AccessToken access ? access.getScopes().toArray(String[]::new) : new String[0]);
        row.setMetadata(JSONB.valueOf(codec.write(metadata)));
        row.setIssuedAt(toOffset(value.getIssuedAt() == null ? Instant.now() : value.getIssuedAt()));
        row.setExpiresAt(value.getExpiresAt() == null ? null : toOffset(value.getExpiresAt()));
        row.setInvalidatedAt(token.isInvalidated() ? OffsetDateTime.now() : null);
        rows.add(row);
    }

    private static OAuth2TokenType typeOf(String kind) {
        return switch (kind) {
            case "authorization_code" -> new OAuth2TokenType(OAuth2ParameterNames.CODE);
            case "access_token" -> OAuth2TokenType.ACCESS_TOKEN;
            case "refresh_token" -> OAuth2TokenType.REFRESH_TOKEN;
            case "id_token" -> new OAuth2TokenType(OidcParameterNames.ID_TOKEN);
            default -> throw new IllegalStateException("unknown token kind " + kind);
        };
    }

    /**
     * Hash for storing a value the authorization holds: a placeholder stands for a stored hash. Never used for values
     * presented by callers, which are always hashed, so a hash taken from a database dump is not a usable token.
     */
    private byte[] hashOf(String value) {
        if (value.startsWith(PLACEHOLDER)) {
            return B64D.decode(value.substring(PLACEHOLDER.length()));
        }
        return hasher.hashToken(value);
    }

    private static String placeholder(byte[] hash) {
        return PLACEHOLDER + B64.encodeToString(hash);
    }

    private static OffsetDateTime toOffset(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
