package dev.latchkey.authz.developer;

import static dev.latchkey.db.Tables.OAUTH_AUTHORIZATIONS;
import static dev.latchkey.db.Tables.OAUTH_GRANTS;
import static dev.latchkey.db.Tables.OAUTH_TOKENS;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Reads an app's recent activity from {@code oauth_grants} and {@code oauth_tokens}. Selects counts, kinds and
 * times only: no query here names a hash or metadata column, so nothing secret can reach a page or response.
 */
public final class AppActivityService {

    static final int RECENT_GRANTS = 20;
    private static final String ACCESS = "access_token";
    private static final String REFRESH = "refresh_token";

    private final DSLContext dsl;

    public AppActivityService(DSLContext dsl) {
        this.dsl = dsl;
    }

    public AppActivity activity(UUID appId) {
        OffsetDateTime now = OffsetDateTime.now();
        var t = OAUTH_TOKENS;
        var g = OAUTH_GRANTS;
        Condition live = t.KIND.in(ACCESS, REFRESH).and(t.INVALIDATED_AT.isNull())
                .and(t.EXPIRES_AT.isNull().or(t.EXPIRES_AT.gt(now))).and(g.REVOKED_AT.isNull());
        Record totals = dsl.select(
                        DSL.count().filterWhere(live),
                        DSL.count().filterWhere(t.KIND.eq(ACCESS).and(t.ISSUED_AT.gt(now.minusHours(24)))),
                        DSL.count().filterWhere(t.KIND.eq(ACCESS).and(t.ISSUED_AT.gt(now.minusDays(30)))),
                        DSL.count().filterWhere(t.KIND.eq(REFRESH).and(t.ISSUED_AT.gt(now.minusDays(30)))),
                        DSL.count().filterWhere(t.KIND.eq("authorization_code").and(t.ISSUED_AT.gt(now.minusDays(30)))),
                        DSL.max(t.ISSUED_AT))
                .from(t).join(g).on(g.ID.eq(t.GRANT_ID))
                .where(g.APP_ID.eq(appId))
                .fetchOne();
        long activeGrants = dsl.fetchCount(g, g.APP_ID.eq(appId).and(g.REVOKED_AT.isNull()));
        long users = dsl.fetchCount(OAUTH_AUTHORIZATIONS,
                OAUTH_AUTHORIZATIONS.APP_ID.eq(appId).and(OAUTH_AUTHORIZATIONS.REVOKED_AT.isNull()));
        return new AppActivity(users, activeGrants,
                totals.get(0, Long.class), totals.get(1, Long.class), totals.get(2, Long.class),
                totals.get(3, Long.class), totals.get(4, Long.class), totals.get(5, OffsetDateTime.class),
                recentGrants(appId, now));
    }

    private List<AppActivity.Grant> recentGrants(UUID appId, OffsetDateTime now) {
        var t = OAUTH_TOKENS;
        Table<?> recent = dsl.select(OAUTH_GRANTS.ID, OAUTH_GRANTS.CREATED_AT, OAUTH_GRANTS.GRANT_TYPE, OAUTH_GRANTS.SCOPES,
                        OAUTH_GRANTS.REVOKED_AT, OAUTH_GRANTS.REVOKED_REASON)
                .from(OAUTH_GRANTS)
                .where(OAUTH_GRANTS.APP_ID.eq(appId))
                .orderBy(OAUTH_GRANTS.CREATED_AT.desc())
                .limit(RECENT_GRANTS)
                .asTable("recent");
        Field<String> id = recent.field(OAUTH_GRANTS.ID);
        Field<OffsetDateTime> createdAt = recent.field(OAUTH_GRANTS.CREATED_AT);
        Field<String> grantType = recent.field(OAUTH_GRANTS.GRANT_TYPE);
        Field<String[]> scopes = recent.field(OAUTH_GRANTS.SCOPES);
        Field<OffsetDateTime> revokedAt = recent.field(OAUTH_GRANTS.REVOKED_AT);
        Field<String> revokedReason = recent.field(OAUTH_GRANTS.REVOKED_REASON);
        Condition live = t.KIND.in(ACCESS, REFRESH).and(t.INVALIDATED_AT.isNull())
                .and(t.EXPIRES_AT.isNull().or(t.EXPIRES_AT.gt(now)));
        return dsl.select(createdAt, grantType, scopes, revokedAt, revokedReason,
                        DSL.count(t.ID).filterWhere(t.KIND.eq(ACCESS)),
                        DSL.count(t.ID).filterWhere(t.KIND.eq(REFRESH)),
                        DSL.max(t.ISSUED_AT),
                        DSL.count(t.ID).filterWhere(live))
                .from(recent)
                .leftJoin(t).on(t.GRANT_ID.eq(id))
                .groupBy(id, createdAt, grantType, scopes, revokedAt, revokedReason)
                .orderBy(createdAt.desc())
                .fetch(r -> {
                    long accessTokens = r.value6();
                    String status = r.value4() != null ? "revoked"
                            : r.value9() > 0 ? "active"
                            : accessTokens == 0 ? "pending" : "expired";
                    return new AppActivity.Grant(r.value1(), r.value2(), List.of(r.value3()), accessTokens, r.value7(),
                            r.value8(), status, r.value4(), r.value5());
                });
    }
}
