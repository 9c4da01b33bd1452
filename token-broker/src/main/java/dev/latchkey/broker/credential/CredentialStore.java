package dev.latchkey.broker.credential;

import dev.latchkey.broker.catalog.ExpirySource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Connections and their sealed credentials in PostgreSQL. Every statement runs on the {@link DSLContext}'s
 * connection, so it joins the caller's transaction (audit rows and webhook outbox rows commit with it).
 *
 * <p>Statements are constant SQL over plain JDBC: the token fetch reads one row per request and must not render
 * SQL each time. The lease columns serialise refreshes across nodes: a refresh needs the lease, and committing one
 * needs both the lease and the version it started from (compare-and-swap), so a node whose lease expired (it
 * stalled or died) can never overwrite the work of the node that took over.
 *
 * <p>The token fetch reads through the {@link CredentialCache}; every write that changes what a fetch serves evicts
 * the connection on this node after commit (other nodes hear it from the database's triggers).
 */
public final class CredentialStore {

    private static final String COLUMNS = """
            c.id, c.tenant_id, c.end_user, c.provider_id, c.status, cr.kind, cr.access_sealed, cr.refresh_sealed,
            cr.token_type, cr.version, cr.issued_at, cr.expires_at, cr.expiry_source, cr.stated_lifetime_seconds,
            cr.learned_lifetime_seconds, cr.next_refresh_at, cr.lease_owner, cr.lease_until, cr.failure_count,
            cr.consecutive_rejections, c.scopes, c.parameters::text, c.metadata::text""";

    private static final String FIND = "select " + COLUMNS
            + " from connections c join credentials cr on cr.connection_id = c.id where c.id = ?";

    private static final String INSERT_CONNECTION = """
            insert into connections (id, tenant_id, end_user, provider_id, auth_mode, status, scopes, parameters,
                                     metadata, created_by)
            values (?, ?, ?, ?, ?, 'active', ?, ?::jsonb, ?::jsonb, ?)""";

    private static final String INSERT_CREDENTIAL = """
            insert into credentials (connection_id, kind, access_sealed, refresh_sealed, token_type, issued_at,
                                     expires_at, expiry_source, stated_lifetime_seconds, next_refresh_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /** Takes the lease if it is free (or expired) and, when a version is given, only if it is still current. */
    private static final String LEASE = """
            with leased as (
                update credentials cr set lease_owner = ?, lease_until = now() + ?::interval
                 where cr.connection_id = ?
                   and (?::bigint is null or cr.version = ?::bigint)
                   and (cr.lease_until is null or cr.lease_until < now())
                   and exists (select 1 from connections s where s.id = cr.connection_id and s.status = 'active')
                returning cr.*)
            select %s from leased cr join connections c on c.id = cr.connection_id""".formatted(COLUMNS);

    private static final String CLAIM_DUE = """
            with due as (
                select connection_id from credentials
                 where next_refresh_at <= now() and (lease_until is null or lease_until < now())
                 order by next_refresh_at
                 limit ?
                   for update skip locked),
            leased as (
                update credentials cr set lease_owner = ?, lease_until = now() + ?::interval
                  from due where cr.connection_id = due.connection_id
                returning cr.*)
            select %s from leased cr join connections c on c.id = cr.connection_id""".formatted(COLUMNS);

    private static final String COMPLETE = """
            update credentials set access_sealed = ?, refresh_sealed = coalesce(?, refresh_sealed), token_type = ?,
                   version = version + 1, issued_at = ?, expires_at = ?, expiry_source = ?,
                   stated_lifetime_seconds = ?, learned_lifetime_seconds = ?, next_refresh_at = ?,
                   consecutive_rejections = ?, lease_owner = null, lease_until = null, failure_count = 0,
                   last_error = null, last_refreshed_at = now(), refresh_count = refresh_count + 1, updated_at = now()
             where connection_id = ? and lease_owner = ? and version = ?""";

    private static final String UPDATE_CONNECTION_AFTER_REFRESH = """
            update connections set scopes = coalesce(?, scopes), metadata = metadata || ?::jsonb, updated_at = now()
             where id = ?""";

    private static final String FAIL = """
            update credentials set lease_owner = null, lease_until = null, failure_count = failure_count + 1,
                   last_error = ?, next_refresh_at = ?, updated_at = now()
             where connection_id = ? and lease_owner = ?""";

    private static final String POSTPONE = """
            update credentials set lease_owner = null, lease_until = null, next_refresh_at = ?
             where connection_id = ? and lease_owner = ?""";

    private static final String RELEASE = """
            update credentials set lease_owner = null, lease_until = null
             where connection_id = ? and lease_owner = ?""";

    private static final String NEEDS_REAUTH_CREDENTIAL = """
            update credentials set lease_owner = null, lease_until = null, next_refresh_at = null,
                   failure_count = failure_count + 1, last_error = ?, updated_at = now()
             where connection_id = ? and (lease_owner = ? or ?::text is null)""";

    private static final String NEEDS_REAUTH_CONNECTION = """
            update connections set status = 'needs_reauth', status_reason = ?, updated_at = now()
             where id = ? and status = 'active'""";

    private final DSLContext dsl;
    private final CredentialCache cache;

    public CredentialStore(DSLContext dsl, CredentialCache cache) {
        this.dsl = dsl;
        this.cache = cache;
    }

    /**
     * The connection and its credential as the token fetch serves it: from this node's memory when the cache is
     * live, else one indexed read. Lease and failure columns may be stale; use {@link #find} to decide on a refresh.
     */
    public Optional<StoredCredential> findForServing(UUID connectionId) {
        return cache.get(connectionId, this::find);
    }

    /** Forgets this node's cached copy once the current transaction commits (the connection is being deleted). */
    public void evictAfterCommit(UUID connectionId) {
        cache.evictAfterCommit(connectionId);
    }

    /** The connection and its credential from the database, or empty. One indexed read. */
    public Optional<StoredCredential> find(UUID connectionId) {
        return dsl.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(FIND)) {
                statement.setObject(1, connectionId);
                return first(statement);
            }
        });
    }

    /** Inserts a new connection and its credential (in the caller's transaction). */
    public void create(NewCredential created) {
        dsl.connection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(INSERT_CONNECTION)) {
                statement.setObject(1, created.connectionId());
                statement.setString(2, created.tenant());
                statement.setString(3, created.endUser());
                statement.setString(4, created.providerId());
                statement.setString(5, created.kind().dbValue());
                statement.setArray(6, textArray(connection, created.scopes()));
                statement.setString(7, created.parametersJson());
                statement.setString(8, created.metadataJson());
                statement.setString(9, created.createdBy());
                statement.executeUpdate();
            }
            try (PreparedStatement statement = connection.prepareStatement(INSERT_CREDENTIAL)) {
                statement.setObject(1, created.connectionId());
                statement.setString(2, created.kind().dbValue());
                statement.setBytes(3, created.accessSealed());
                statement.setBytes(4, created.refreshSealed());
                statement.setString(5, created.tokenType());
                statement.setTimestamp(6, timestamp(created.issuedAt()));
                statement.setTimestamp(7, timestamp(created.expiresAt()));
                statement.setString(8, created.expirySource().name().toLowerCase(Locale.ROOT));
                setLong(statement, 9, created.statedLifetimeSeconds());
                statement.setTimestamp(10, timestamp(created.nextRefreshAt()));
                statement.executeUpdate();
            }
        });
    }

    /**
     * Takes the refresh lease of an active connection.
     *
     * @param expectedVersion only if the credential still has this version (null: any)
     * @return the leased credential; empty when another node holds the lease, the version moved on, or the
     *         connection is not active
     */
    public Optional<StoredCredential> lease(UUID connectionId, Long expectedVersion, String owner, Duration lease) {
        return dsl.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(LEASE)) {
                statement.setString(1, owner);
                statement.setString(2, interval(lease));
                statement.setObject(3, connectionId);
                setLong(statement, 4, expectedVersion);
                setLong(statement, 5, expectedVersion);
                return first(statement);
            }
        });
    }

    /** Leases up to {@code limit} credentials whose proactive refresh is due, skipping rows other nodes hold. */
    public List<StoredCredential> claimDue(String owner, int limit, Duration lease) {
        return dsl.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(CLAIM_DUE)) {
                statement.setInt(1, limit);
                statement.setString(2, owner);
                statement.setString(3, interval(lease));
                return all(statement);
            }
        });
    }

    /**
     * Replaces the credential with a refreshed one if {@code owner} still holds the lease and the credential still
     * has {@code expectedVersion}; releases the lease.
     *
     * @return false when the lease was lost (expired and taken over): nothing was written
     */
    public boolean complete(UUID connectionId, String owner, long expectedVersion, RenewedCredential renewed) {
        return dsl.connectionResult(connection -> {
            int updated;
            try (PreparedStatement statement = connection.prepareStatement(COMPLETE)) {
                statement.setBytes(1, renewed.accessSealed());
                statement.setBytes(2, renewed.refreshSealed());
                statement.setString(3, renewed.tokenType());
                statement.setTimestamp(4, timestamp(renewed.issuedAt()));
                statement.setTimestamp(5, timestamp(renewed.expiresAt()));
                statement.setString(6, renewed.expirySource().name().toLowerCase(Locale.ROOT));
                setLong(statement, 7, renewed.statedLifetimeSeconds());
                setLong(statement, 8, renewed.learnedLifetimeSeconds());
                statement.setTimestamp(9, timestamp(renewed.nextRefreshAt()));
                statement.setInt(10, renewed.consecutiveRejections());
                statement.setObject(11, connectionId);
                statement.setString(12, owner);
                statement.setLong(13, expectedVersion);
                updated = statement.executeUpdate();
            }
            if (updated == 0) {
                return false;
            }
            cache.evictAfterCommit(connectionId);
            try (PreparedStatement statement = connection.prepareStatement(UPDATE_CONNECTION_AFTER_REFRESH)) {
                statement.setArray(1, renewed.scopes() == null ? null : textArray(connection, renewed.scopes()));
                statement.setString(2, renewed.metadataJson() == null ? "{}" : renewed.metadataJson());
                statement.setObject(3, connectionId);
                statement.executeUpdate();
            }
            return true;
        });
    }

    /** Releases the lease after a failed refresh, recording the error and when to try again. */
    public boolean fail(UUID connectionId, String owner, String error, Instant retryAt) {
        return dsl.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(FAIL)) {
                statement.setString(1, error);
                statement.setTimestamp(2, timestamp(retryAt));
                statement.setObject(3, connectionId);
                statement.setString(4, owner);
                return statement.executeUpdate() == 1;
            }
        });
    }

    /** Releases the lease and moves the next proactive refresh (null: none), without counting a failure. */
    public void postpone(UUID connectionId, String owner, Instant nextRefreshAt) {
        dsl.connection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(POSTPONE)) {
                statement.setTimestamp(1, timestamp(nextRefreshAt));
                statement.setObject(2, connectionId);
                statement.setString(3, owner);
                statement.executeUpdate();
            }
        });
    }

    /** Releases the lease without changing anything else. */
    public void release(UUID connectionId, String owner) {
        dsl.connection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(RELEASE)) {
                statement.setObject(1, connectionId);
                statement.setString(2, owner);
                statement.executeUpdate();
            }
        });
    }

    /**
     * Marks an active connection {@code needs_reauth} and stops refreshing it.
     *
     * @param owner the lease holder, or null when the caller holds no lease (a 401 loop detected on report)
     * @return true if the connection was active and is now {@code needs_reauth}
     */
    public boolean markNeedsReauth(UUID connectionId, String owner, String reason) {
        return dsl.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(NEEDS_REAUTH_CREDENTIAL)) {
                statement.setString(1, reason);
                statement.setObject(2, connectionId);
                statement.setString(3, owner);
                statement.setString(4, owner);
                statement.executeUpdate();
            }
            cache.evictAfterCommit(connectionId);
            try (PreparedStatement statement = connection.prepareStatement(NEEDS_REAUTH_CONNECTION)) {
                statement.setString(1, reason);
                statement.setObject(2, connectionId);
                return statement.executeUpdate() == 1;
            }
        });
    }

    private static Optional<StoredCredential> first(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(map(rows)) : Optional.empty();
        }
    }

    private static List<StoredCredential> all(PreparedStatement statement) throws SQLException {
        List<StoredCredential> result = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                result.add(map(rows));
            }
        }
        return result;
    }

    private static StoredCredential map(ResultSet row) throws SQLException {
        Array scopes = row.getArray(21);
        return new StoredCredential(
                row.getObject(1, UUID.class),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                ConnectionStatus.fromDbValue(row.getString(5)),
                CredentialKind.fromDbValue(row.getString(6)),
                row.getBytes(7),
                row.getBytes(8),
                row.getString(9),
                row.getLong(10),
                instant(row.getTimestamp(11)),
                instant(row.getTimestamp(12)),
                ExpirySource.valueOf(row.getString(13).toUpperCase(Locale.ROOT)),
                nullableLong(row, 14),
                nullableLong(row, 15),
                instant(row.getTimestamp(16)),
                row.getString(17),
                instant(row.getTimestamp(18)),
                row.getInt(19),
                row.getInt(20),
                scopes == null ? List.of() : List.of((String[]) scopes.getArray()),
                row.getString(22),
                row.getString(23));
    }

    private static Array textArray(Connection connection, List<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray());
    }

    private static Long nullableLong(ResultSet row, int column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static String interval(Duration duration) {
        return duration.toMillis() + " milliseconds";
    }
}
