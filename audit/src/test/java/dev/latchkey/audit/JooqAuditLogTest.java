package dev.latchkey.audit;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;
import static dev.latchkey.db.Tables.TEAMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** record() writes in the caller's transaction, unchained, with a record MAC; the table refuses edits. */
class JooqAuditLogTest {

    private static TestDatabase db;
    private static AuditLog log;
    private static DSLContext dsl;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        dsl = db.node().dsl();
        log = new JooqAuditLog(dsl, TestKeys.chainKey());
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void reset() {
        db.reset();
        dsl.deleteFrom(TEAMS).execute();
    }

    @Test
    void whenRecordedThenRowIsUnchainedAndItsContentMatchesItsRecordMac() {
        AuditEvent event = TestEvents.tokenIssued("team-1", "lk_ci_abc");
        log.record(event);

        AuditEventsRecord row = dsl.selectFrom(AUDIT_EVENTS).fetchSingle();
        assertThat(row.getSeq()).isNull();
        assertThat(row.getHash()).isNull();
        assertThat(AuditRows.event(row)).isEqualTo(event);
        assertThat(row.getRecordMac()).isEqualTo(TestKeys.chainKey().recordMac(event));
    }

    @Test
    void whenManyAreRecordedAtOnceThenEachRowMatchesItsEventAndRecordMacInOrder() {
        AuditEvent bare = AuditEvent.builder(Actor.system(null), "retention.run", Outcome.FAILURE).build();
        java.util.List<AuditEvent> events = java.util.List.of(TestEvents.tokenIssued("team-1", "lk_ci_a"), bare,
                TestEvents.tokenIssued(null, "lk_ci_b"));
        log.recordAll(events);

        java.util.List<AuditEventsRecord> rows = dsl.selectFrom(AUDIT_EVENTS).orderBy(AUDIT_EVENTS.ID).fetch();
        assertThat(rows).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(rows.get(i).getSeq()).isNull();
            assertThat(AuditRows.event(rows.get(i))).isEqualTo(events.get(i));
            assertThat(rows.get(i).getRecordMac()).isEqualTo(TestKeys.chainKey().recordMac(events.get(i)));
        }
    }

    @Test
    void whenABatchRollsBackThenNoneOfItsRowsRemains() {
        assertThatThrownBy(() -> db.node().inTransaction(() -> {
            log.recordAll(java.util.List.of(TestEvents.any(), TestEvents.any()));
            throw new IllegalStateException("the batch fails after auditing");
        })).hasMessageContaining("the batch fails");

        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isZero();
    }

    @Test
    void whenOnlyTheRequiredPartsAreGivenThenTheRowIsStoredAndVerifies() {
        AuditEvent event = AuditEvent.builder(Actor.system(null), "retention.run", Outcome.FAILURE).build();
        log.record(event);

        AuditEventsRecord row = dsl.selectFrom(AUDIT_EVENTS).fetchSingle();
        assertThat(AuditRows.event(row)).isEqualTo(event);
        assertThat(row.getRecordMac()).isEqualTo(TestKeys.chainKey().recordMac(event));
    }

    @Test
    void whenActionRollsBackInSpringTransactionThenNoAuditRowRemains() {
        assertThatThrownBy(() -> db.node().inTransaction(() -> {
            dsl.insertInto(TEAMS).set(TEAMS.ID, UUID.randomUUID()).set(TEAMS.NAME, "rolled back").execute();
            log.record(TestEvents.any());
            throw new IllegalStateException("the action fails after auditing");
        })).hasMessageContaining("the action fails");

        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isZero();
        assertThat(dsl.fetchCount(TEAMS)).isZero();
    }

    @Test
    void whenActionRollsBackInJooqTransactionThenNoAuditRowRemains() {
        assertThatThrownBy(() -> dsl.transaction(cfg -> {
            new JooqAuditLog(cfg.dsl(), TestKeys.chainKey()).record(TestEvents.any());
            throw new IllegalStateException("the action fails after auditing");
        })).hasMessageContaining("the action fails");

        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isZero();
    }

    @Test
    void whenAuditInsertFailsThenTheActionRollsBack() {
        AuditEvent event = TestEvents.any();
        log.record(event);

        // Same event id again: the database refuses the audit row, so the action must not happen either.
        assertThatThrownBy(() -> db.node().inTransaction(() -> {
            dsl.insertInto(TEAMS).set(TEAMS.ID, UUID.randomUUID()).set(TEAMS.NAME, "must not exist").execute();
            log.record(event);
        })).hasMessageContaining("audit_events_event_id");

        assertThat(dsl.fetchCount(TEAMS)).isZero();
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(1);
    }

    @Test
    void whenActionCommitsThenItsAuditRowCommitsWithIt() {
        db.node().inTransaction(() -> {
            dsl.insertInto(TEAMS).set(TEAMS.ID, UUID.randomUUID()).set(TEAMS.NAME, "committed").execute();
            log.record(TestEvents.any());
        });

        assertThat(dsl.fetchCount(TEAMS)).isEqualTo(1);
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(1);
    }

    @Test
    void whenApplicationUpdatesOrDeletesAnAuditRowThenTheDatabaseRefuses() {
        log.record(TestEvents.any());

        assertThatThrownBy(() -> dsl.update(AUDIT_EVENTS).set(AUDIT_EVENTS.ACTOR_ID, "someone else").execute())
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> dsl.deleteFrom(AUDIT_EVENTS).execute()).hasMessageContaining("append-only");
        assertThatThrownBy(() -> dsl.truncate(AUDIT_EVENTS).execute()).hasMessageContaining("append-only");
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(1);
    }

    @Test
    void whenARowIsInsertedAlreadyChainedThenTheDatabaseRefuses() {
        AuditEvent event = TestEvents.any();
        AuditEventsRecord row = AuditRows.newRow(event, TestKeys.chainKey().recordMac(event));
        row.setSeq(1L);
        row.setPrevHash(AuditChainKey.genesisHash());
        row.setHash(new byte[32]);

        assertThatThrownBy(() -> dsl.executeInsert(row)).hasMessageContaining("inserted unchained");
    }

    @Test
    void whenRowIsChainedThenItsChainColumnsCannotBeChangedAgain() {
        log.record(TestEvents.any());
        dsl.update(AUDIT_EVENTS).set(AUDIT_EVENTS.SEQ, 1L).set(AUDIT_EVENTS.PREV_HASH, new byte[32])
                .set(AUDIT_EVENTS.HASH, new byte[32]).execute();

        assertThatThrownBy(() -> dsl.update(AUDIT_EVENTS).set(AUDIT_EVENTS.SEQ, 2L).execute())
                .hasMessageContaining("append-only");
    }

    @Test
    void whenUserAgentCarriesAnIssuedTokenOrUnstorableCharactersThenTheStoredRowStillVerifies() {
        AuditEvent event = AuditEvent.builder(Actor.user("alice"), "login.attempt", Outcome.DENIED)
                .source("::ffff:192.0.2.1", "evil\u0000agent \uD800 Bearer lk_at_abcdefABCDEF0123456789")
                .detail("note", "refresh lk_rt_0123456789abcdef leaked?")
                .build();
        log.record(event);

        AuditEventsRecord row = dsl.selectFrom(AUDIT_EVENTS).fetchSingle();
        assertThat(row.getUserAgent()).isEqualTo("evil\uFFFDagent \uFFFD Bearer lk_at_[redacted]");
        assertThat(row.getDetails().data()).doesNotContain("0123456789abcdef");
        assertThat(row.getSourceIp()).isEqualTo("192.0.2.1");
        assertThat(TestKeys.chainKey().recordMac(AuditRows.event(row))).isEqualTo(row.getRecordMac());
    }
}
