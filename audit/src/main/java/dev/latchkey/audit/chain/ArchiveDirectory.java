package dev.latchkey.audit.chain;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Archive files in one directory, two per archived range: {@code audit-<firstSeq>-<lastSeq>.jsonl} (the rows, JSON
 * Lines) and {@code audit-<firstSeq>-<lastSeq>.summary.json} (the signed {@link ArchiveSummary}), enough to verify
 * the range without the database ({@link AuditVerifier#verifyExport}).
 *
 * <p>Both are written under unique names ending in {@value #PARTIAL_SUFFIX}, forced to disk, and renamed only when
 * the range is complete, just before the deletion of its rows commits: a name without the suffix always holds a
 * whole, verifiable range, and an archive that fails removes what it wrote. A crash mid-write can leave a
 * {@code .partial} file behind; it is never an archive, and the next {@link #open(long, long)} deletes it. If the
 * commit itself fails after the
 * rename, the files stay: they hold rows that are still in the table, and the next archive of that range replaces
 * them. Nodes may share the directory, since ranges are chosen under the chain lock.
 */
public final class ArchiveDirectory implements ArchiveTarget {

    public static final String PARTIAL_SUFFIX = ".partial";

    private final Path dir;

    private ArchiveDirectory(Path dir) {
        this.dir = dir;
    }

    /**
     * The directory, created if missing.
     *
     * @throws IOException if it cannot be created or this process cannot create files in it (checked by writing one)
     */
    public static ArchiveDirectory open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.delete(Files.createTempFile(dir, ".write-check-", PARTIAL_SUFFIX));
        return new ArchiveDirectory(dir.toAbsolutePath());
    }

    public Path dir() {
        return dir;
    }

    /** The file holding the rows of the range. */
    public Path rowsFile(long firstSeq, long lastSeq) {
        return dir.resolve("audit-" + firstSeq + "-" + lastSeq + ".jsonl");
    }

    /** The file holding the signed summary of the range. */
    public Path summaryFile(long firstSeq, long lastSeq) {
        return dir.resolve("audit-" + firstSeq + "-" + lastSeq + ".summary.json");
    }

    /**
     * Starts a range, after deleting what interrupted archives left (see the class comment). Retention calls this
     * under the chain lock, so no node sharing the directory is writing an archive meanwhile; a node's start-up
     * write check has a name of its own and is left alone.
     */
    @Override
    public Output open(long firstSeq, long lastSeq) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, "audit-*" + PARTIAL_SUFFIX)) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
        }
        return new Pending(rowsFile(firstSeq, lastSeq), summaryFile(firstSeq, lastSeq));
    }

    /** One range on its way to its final names. */
    private final class Pending implements Output {
        private final Path rows;
        private final Path summary;
        private final Path rowsPartial;
        private final Path summaryPartial;
        private final FileChannel channel;
        private final OutputStream stream;
        private boolean renamed;
        private boolean completed;

        Pending(Path rows, Path summary) throws IOException {
            String unique = "." + UUID.randomUUID() + PARTIAL_SUFFIX;
            this.rows = rows;
            this.summary = summary;
            this.rowsPartial = dir.resolve(rows.getFileName() + unique);
            this.summaryPartial = dir.resolve(summary.getFileName() + unique);
            this.channel = FileChannel.open(rowsPartial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.stream = new ForcingStream(channel);
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public void complete(ArchiveSummary archived) throws IOException {
            stream.flush();
            channel.close();
            try (FileChannel out = FileChannel.open(summaryPartial, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer json = ByteBuffer.wrap(archived.toJson().getBytes(StandardCharsets.UTF_8));
                while (json.hasRemaining()) {
                    out.write(json);
                }
                out.force(true);
            }
            renamed = true;
            Files.move(rowsPartial, rows, StandardCopyOption.ATOMIC_MOVE);
            Files.move(summaryPartial, summary, StandardCopyOption.ATOMIC_MOVE);
            // The renames are durable only once the directory entry is.
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
            completed = true;
        }

        @Override
        public void close() {
            if (completed) {
                return;
            }
            try {
                channel.close();
                Files.deleteIfExists(rowsPartial);
                Files.deleteIfExists(summaryPartial);
                if (renamed) {
                    // The rows stay in the table (nothing commits): these names must not claim an archive.
                    Files.deleteIfExists(rows);
                    Files.deleteIfExists(summary);
                }
            } catch (IOException e) {
                // Left behind under a .partial name at worst; the archive failure is what the caller reports.
            }
        }
    }

    /** Writes straight to the channel; a flush forces the file's content to the disk. */
    private static final class ForcingStream extends FilterOutputStream {
        private final FileChannel channel;

        ForcingStream(FileChannel channel) {
            super(Channels.newOutputStream(channel));
            this.channel = channel;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
            channel.force(true);
        }
    }
}
