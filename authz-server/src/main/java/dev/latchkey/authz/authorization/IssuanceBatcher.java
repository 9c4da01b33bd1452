package dev.latchkey.authz.authorization;

import dev.latchkey.audit.AuditEvent;
import dev.latchkey.authz.audit.AuditTrail;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jooq.DSLContext;

/**
 * Group commit for newly issued client-credentials grants. Attributes and metadata arrive already encoded by
 * {@link AttributeCodec} (as JSON text), so typed values such as instants keep their encoding. Each grant comes with
 * its {@code token.issued} audit event; a batch's grants, tokens and events commit together in one transaction (one
 * statement for the grants and tokens, one multi-row insert for the events), so a token is never issued unaudited.
 *
 * <p> Concurrent token requests hand their rows to a few
 * writer threads, which insert whatever has queued up in one statement and one commit; each caller returns only
 * after its own rows are committed, so durability is exactly that of a per-request insert, at a fraction of the
 * database work per token.
 */
final class IssuanceBatcher implements AutoCloseable {

    private static final int MAX_BATCH = 256;
    private static final long WAIT_SECONDS = 10;

    /** One grant with one token, as the JSON object the batch statement reads, and its audit event. */
    private record Pending(Map<String, Object> row, AuditEvent event, CompletableFuture<Void> done) {}

    private final DSLContext dsl;
    private final AuditTrail audit;
    private final Function<Object, String> json;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(10_000);
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    IssuanceBatcher(DSLContext dsl, Function<Object, String> json, int writerThreads, AuditTrail audit) {
        this.dsl = dsl;
        this.audit = audit;
        this.json = json;
        for (int i = 0; i < writerThreads; i++) {
            Thread writer = Thread.ofPlatform().daemon().name("latchkey-issuance-writer-" + i).unstarted(this::drain);
            writers.add(writer);
            writer.start();
        }
    }

    /** Inserts the grant, its token and its event; returns once committed, throws if the write failed or timed out. */
    void write(Map<String, Object> row, AuditEvent event) {
        if (closed) {
            throw new IllegalStateException("issuance writer is shut down");
        }
        Pending pending = new Pending(row, event, new CompletableFuture<>());
        try {
            if (!queue.offer(pending, WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("issuance queue is full");
            }
            pending.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while issuing a token", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("token could not be stored", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("token store timed out", e);
        }
    }

    private void drain() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!closed) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                insert(batch);
                batch.forEach(p -> p.done().complete(null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(p -> p.done().completeExceptionally(e));
                return;
            } catch (RuntimeException e) {
                batch.forEach(p -> p.done().completeExceptionally(e));
            }
            batch.clear();
        }
    }

    private void insert(List<Pending> batch) {
        String rows = json.apply(batch.stream().map(Pending::row).toList());
        List<AuditEvent> events = batch.stream().map(Pending::event).toList();
        audit.inTransaction(() -> {
            dsl.connection(connection -> {
                try (PreparedStatement statement = connection.prepareStatement(BATCH_SQL)) {
                    statement.setString(1, rows);
                    statement.executeUpdate();
                }
            });
            audit.recordAll(events);
            return null;
        });
    }

    @Override
    public void close() {
        closed = true;
        writers.forEach(Thread::interrupt);
        queue.forEach(p -> p.done().completeExceptionally(new IllegalStateException("shutting down")));
    }

    private static final String BATCH_SQL = """
            with v as (
                select * from jsonb_to_recordset(cast(? as jsonb)) as v(id text, app_id uuid, principal_name text,
                        grant_type text, grant_scopes text[], attributes text, kind text, token_hash text, scopes text[],
                        metadata text, issued_at timestamptz, expires_at timestamptz)
            ), g as (
                insert into oauth_grants (id, app_id, principal_name, grant_type, scopes, attributes)
                select id, app_id, principal_name, grant_type, coalesce(grant_scopes, '{}'), cast(attributes as jsonb) from v
                on conflict (id) do update set scopes = excluded.scopes, attributes = excluded.attributes
                returning id
            )
            insert into oauth_tokens (grant_id, kind, token_hash, scopes, metadata, issued_at, expires_at)
            select v.id, v.kind, decode(v.token_hash, 'base64'), coalesce(v.scopes, '{}'), cast(v.metadata as jsonb),
                   v.issued_at, v.expires_at
            from v join g on g.id = v.id
            on conflict (token_hash) do nothing
            """;
}
