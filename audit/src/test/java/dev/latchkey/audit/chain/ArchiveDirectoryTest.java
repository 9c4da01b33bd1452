package dev.latchkey.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.audit.TestKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archive files: a final name only for a complete range with its summary; nothing left by a failed one. */
class ArchiveDirectoryTest {

    private static final SigningKey SIGNER = TestKeys.checkpointKey();

    @TempDir
    Path dir;

    private static ArchiveSummary summary(long first, long last) {
        byte[] prev = new byte[32];
        byte[] hash = new byte[32];
        hash[0] = 1;
        Instant at = Instant.parse("2026-03-04T05:06:07.123456Z");
        return new ArchiveSummary(first, last, last - first + 1, prev, hash, at, SIGNER.keyId(),
                SIGNER.sign(SignedMessages.archive(first, last, last - first + 1, prev, hash, at, SIGNER.keyId())));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void whenAnArchiveCompletesThenItsRowsAndItsSummaryHaveFinalNamesAndNothingPartialRemains() throws IOException {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        ArchiveSummary summary = summary(1, 2);

        try (ArchiveTarget.Output output = archives.open(1, 2)) {
            output.stream().write("{\"seq\":1}\n{\"seq\":2}\n".getBytes(StandardCharsets.UTF_8));
            assertThat(names()).singleElement().asString().startsWith("audit-1-2.jsonl.").endsWith(".partial");
            output.complete(summary);
        }

        assertThat(names()).containsExactly("audit-1-2.jsonl", "audit-1-2.summary.json");
        assertThat(Files.readString(archives.rowsFile(1, 2))).isEqualTo("{\"seq\":1}\n{\"seq\":2}\n");
        ArchiveSummary read = ArchiveSummary.fromJson(Files.readString(archives.summaryFile(1, 2)));
        assertThat(read.toString()).isEqualTo(summary.toString());
        assertThat(read.signature()).isEqualTo(summary.signature());
        assertThat(read.verifiesWith(SIGNER)).isTrue();
    }

    @Test
    void whenAnEarlierArchiveDiedMidWriteThenTheNextOneDeletesWhatItLeftAndNothingElse() throws IOException {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        try (ArchiveTarget.Output output = archives.open(1, 2)) {
            output.complete(summary(1, 2));
        }
        // What a process killed between writing and renaming leaves behind, and another node's start-up write check.
        Files.writeString(dir.resolve("audit-3-4.jsonl.1b0c5d7e-aaaa-4bbb-8ccc-000000000001.partial"), "{\"seq\":3}\n");
        Files.writeString(dir.resolve("audit-3-4.summary.json.1b0c5d7e-aaaa-4bbb-8ccc-000000000001.partial"), "{");
        Files.writeString(dir.resolve(".write-check-123.partial"), "");

        try (ArchiveTarget.Output output = archives.open(3, 4)) {
            output.stream().write("{\"seq\":3}\n{\"seq\":4}\n".getBytes(StandardCharsets.UTF_8));
            output.complete(summary(3, 4));
        }

        assertThat(names()).containsExactly(".write-check-123.partial", "audit-1-2.jsonl", "audit-1-2.summary.json",
                "audit-3-4.jsonl", "audit-3-4.summary.json");
        assertThat(Files.readString(archives.rowsFile(3, 4))).isEqualTo("{\"seq\":3}\n{\"seq\":4}\n");
    }

    @Test
    void whenAnArchiveIsClosedWithoutCompletingThenItLeavesNoFile() throws IOException {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);

        try (ArchiveTarget.Output output = archives.open(1, 5)) {
            output.stream().write("{\"seq\":1}\n".getBytes(StandardCharsets.UTF_8));
            output.stream().flush();
        }

        assertThat(names()).isEmpty();
    }

    @Test
    void whenTheSameRangeIsArchivedAgainThenItReplacesTheFilesOfTheAttemptWhoseCommitFailed() throws IOException {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        for (String rows : List.of("first attempt\n", "second attempt\n")) {
            try (ArchiveTarget.Output output = archives.open(3, 4)) {
                output.stream().write(rows.getBytes(StandardCharsets.UTF_8));
                output.complete(summary(3, 4));
            }
        }

        assertThat(names()).containsExactly("audit-3-4.jsonl", "audit-3-4.summary.json");
        assertThat(Files.readString(archives.rowsFile(3, 4))).isEqualTo("second attempt\n");
    }

    @Test
    void whenTheDirectoryCannotHoldFilesThenOpeningItFails() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");

        assertThatThrownBy(() -> ArchiveDirectory.open(file)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ArchiveDirectory.open(file.resolve("below"))).isInstanceOf(IOException.class);
    }

    @Test
    void whenASummaryFileIsNotASummaryThenParsingSaysSo() {
        String valid = summary(1, 2).toJson();

        assertThat(ArchiveSummary.fromJson(valid).lastSeq()).isEqualTo(2);
        for (String text : List.of("", "[]", "{}", valid.replace("archive-summary.v1", "archive-summary.v0"),
                valid.replace("\"last_seq\":2", "\"last_seq\":\"2\""), valid.replace("\"first_seq\":1,", ""),
                valid.replace("\"last_seq\":2", "\"last_seq\":2,\"last_seq\":3"))) {
            assertThatThrownBy(() -> ArchiveSummary.fromJson(text)).as(text).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
