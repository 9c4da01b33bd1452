package dev.latchkey.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class AuditTalliesTest {

    private final AuditTallies<String, LongAdder> tallies = new AuditTallies<>(
            (key, count) -> AuditEvent.builder(Actor.service(key), "credential.read", Outcome.SUCCESS)
                    .detail("reads", count.sum()).build(),
            (into, from) -> into.add(from.sum()));

    @Test
    void whenFlushedThenOneEventPerKeyInOneWriteAndTheNextIntervalStartsEmpty() {
        count("svc-a", 3);
        count("svc-b", 1);
        List<List<AuditEvent>> writes = new ArrayList<>();

        tallies.flush(writes::add);
        tallies.flush(writes::add);

        assertThat(writes).singleElement().satisfies(events -> assertThat(events)
                .extracting(e -> e.actor().id() + "=" + e.details().asMap().get("reads"))
                .containsExactlyInAnyOrder("svc-a=3", "svc-b=1"));
    }

    @Test
    void whenTheWriteFailsThenTheCountsJoinTheNextIntervalAndTheFailureIsRethrown() {
        count("svc-a", 2);
        assertThatThrownBy(() -> tallies.flush(events -> {
            throw new IllegalStateException("database down");
        })).hasMessage("database down");
        count("svc-a", 5);
        List<AuditEvent> written = new ArrayList<>();

        tallies.flush(written::addAll);

        assertThat(written).singleElement().satisfies(e -> assertThat(e.details().asMap().get("reads"))
                .hasToString("7"));
    }

    @Test
    void whenTheIntervalIsFullThenOnlyKnownKeysHaveRoom() {
        count("svc-a", 1);
        assertThat(tallies.hasRoomFor("svc-b", 1)).isFalse();
        assertThat(tallies.hasRoomFor("svc-a", 1)).isTrue();
        assertThat(tallies.hasRoomFor("svc-b", 2)).isTrue();
    }

    private void count(String key, int times) {
        for (int i = 0; i < times; i++) {
            tallies.tally(key, k -> new LongAdder()).increment();
        }
    }
}
