package dev.latchkey.authz.authorization;

import java.time.Duration;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Deletes grants that can no longer be used: every token expired more than the retention ago (or none was ever
 * issued, e.g. an abandoned consent). Without it the token tables grow with every issued token forever. Runs on every
 * node; batches are small and claimed with {@code SKIP LOCKED}, so nodes never wait on each other.
 */
public final class ExpiredGrantPurge {

    private static final Logger log = LoggerFactory.getLogger(ExpiredGrantPurge.class);
    private static final int BATCH = 5_000;

    private final DSLContext dsl;
    private final Duration retention;

    public ExpiredGrantPurge(DSLContext dsl, Duration retention) {
        this.dsl = dsl;
        this.retention = retention;
    }

    /** Purges one batch at a time until nothing is left; returns how many grants were deleted. */
    public int purge() {
        int total = 0;
        int deleted;
        do {
            deleted = dsl.execute(PURGE_SQL, retention.toSeconds(), BATCH);
            total += deleted;
        } while (deleted == BATCH);
        if (total > 0) {
            log.info("Purged {} expired grants", total);
        }
        return total;
    }

    @Scheduled(fixedDelayString = "${latchkey.authz.purge-interval:PT10M}", initialDelayString = "PT2M")
    void scheduled() {
        purge();
    }

    /** Tokens and their metadata go with the grant (foreign keys cascade). */
    private static final String PURGE_SQL = """
            delete from oauth_grants where id in (
                select g.id from oauth_grants g
                where g.created_at < now() - make_interval(secs => {0})
                  and not exists (select 1 from oauth_tokens t where t.grant_id = g.id
                                  and (t.expires_at is null or t.expires_at > now() - make_interval(secs => {0})))
                limit {1}
                for update skip locked)
            """;
}
