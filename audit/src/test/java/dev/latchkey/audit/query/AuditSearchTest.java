package dev.latchkey.audit.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Filters combine; keyset pages are newest first and neither repeat nor skip; cursors are not forgeable input. */
class AuditSearchTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final List<AuditEvent> EVENTS = new ArrayList<>();
    private static TestDatabase db;
    private static AuditLog log;
    private static AuditSearch search;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        log = new JooqAuditLog(db.node().dsl(), TestKeys.chainKey());
        search = new AuditSearch(db.node().dsl());
        String[] actions = {"token.issue", "token.refresh", "token.revoke", "credential.read", "key.rewrap"};
        Outcome[] outcomes = Outcome.values();
        for (int i = 0; i < 60; i++) {
            Actor actor = switch (i % 4) {
                case 0 -> Actor.user("alice");
                case 1 -> Actor.user("bob");
                case 2 -> Actor.app("lk_ci_tasksync");
                default -> Actor.service("billing");
            };
            AuditEvent e = AuditEvent.builder(actor, actions[i % actions.length], outcomes[i % 3 == 0 ? 0 : i % 3])
                    .target("connection", "conn-" + (i % 6))
                    .tenant(i % 2 == 0 ? "team-a" : "team-b")
                    .occurredAt(T0.plus(Duration.ofMinutes(i)))
                    .build();
            log.record(e);
            EVENTS.add(e);
        }
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void whenFilteredByTenantThenOnlyThatTenantsEventsComeNewestFirst() {
        AuditPage page = search.page(AuditQuery.all().tenant("team-a").limit(100));

        assertThat(events(page)).containsExactlyElementsOf(expected(e -> "team-a".equals(e.tenant())));
        assertThat(page.hasMore()).isFalse();
    }

    @Test
    void whenSeveralFiltersAreGivenThenEveryOneApplies() {
        AuditQuery q = AuditQuery.all().actor(Actor.user("alice")).action("token.issue").target("connection", "conn-0")
                .outcome(Outcome.SUCCESS).tenant("team-a").limit(100);

        List<AuditEvent> want = expected(e -> e.actor().equals(Actor.user("alice")) && e.action().equals("token.issue")
                && e.target().id().equals("conn-0") && e.outcome() == Outcome.SUCCESS && "team-a".equals(e.tenant()));
        assertThat(want).isNotEmpty();
        assertThat(events(search.page(q))).containsExactlyElementsOf(want);
        assertThat(events(search.page(AuditQuery.all().outcome(Outcome.DENIED).limit(100))))
                .containsExactlyElementsOf(expected(e -> e.outcome() == Outcome.DENIED));
        assertThat(events(search.page(AuditQuery.all().target("connection", null).actorType(
                dev.latchkey.audit.ActorType.SERVICE).limit(100))))
                .containsExactlyElementsOf(expected(e -> e.actor().type() == dev.latchkey.audit.ActorType.SERVICE));
    }

    @Test
    void whenATimeRangeIsGivenThenFromIsInclusiveAndToExclusive() {
        Instant from = T0.plus(Duration.ofMinutes(10));
        Instant to = T0.plus(Duration.ofMinutes(20));

        assertThat(events(search.page(AuditQuery.all().between(from, to).limit(100))))
                .containsExactlyElementsOf(expected(e -> !e.occurredAt().isBefore(from) && e.occurredAt().isBefore(to)))
                .hasSize(10);
    }

    @Test
    void whenPagingWithTheCursorThenEveryMatchAppearsOnceInOrderEvenAsNewEventsArrive() {
        AuditQuery q = AuditQuery.all().tenant("team-b").limit(7);
        List<AuditEvent> seen = new ArrayList<>();
        AuditPage page = search.page(q);
        seen.addAll(events(page));
        // New events arrive between pages: keyset pagination on id neither repeats nor skips the older ones.
        log.record(AuditEvent.builder(Actor.user("carol"), "token.issue", Outcome.SUCCESS).tenant("team-b").build());
        while (page.hasMore()) {
            page = search.page(q.after(page.nextCursor()));
            assertThat(page.entries()).hasSizeLessThanOrEqualTo(7);
            seen.addAll(events(page));
        }

        assertThat(seen).containsExactlyElementsOf(expected(e -> "team-b".equals(e.tenant())));
    }

    @Test
    void whenTheCursorIsForgedOrGarbledThenInvalidCursor() {
        String good = search.page(AuditQuery.all().limit(5)).nextCursor();
        assertThat(good).isNotNull();
        for (String bad : List.of("", "c1", good + "A", "c2" + good.substring(2), "c1AAAAAAAAAAA", "c1__________8",
                "' or 1=1 --", "c1/////////w=")) {
            assertThatThrownBy(() -> search.page(AuditQuery.all().after(bad))).as(bad)
                    .isInstanceOf(InvalidCursorException.class);
        }
    }

    @Test
    void whenTheLimitOrRangeIsOutOfBoundsThenTheQueryIsRejected() {
        assertThatThrownBy(() -> AuditQuery.all().limit(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditQuery.all().limit(AuditQuery.MAX_LIMIT + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditQuery.all().between(T0, T0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<AuditEvent> events(AuditPage page) {
        return page.entries().stream().map(AuditEntry::event).toList();
    }

    /** The fixture events matching {@code filter}, newest first. */
    private static List<AuditEvent> expected(Predicate<AuditEvent> filter) {
        List<AuditEvent> matching = new ArrayList<>(EVENTS.stream().filter(filter).toList());
        java.util.Collections.reverse(matching);
        return matching;
    }
}
