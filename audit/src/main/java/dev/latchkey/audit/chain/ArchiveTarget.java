package dev.latchkey.audit.chain;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where {@link AuditRetention#archiveOldest} keeps an archived range. It is opened under the chain lock once the
 * range is known, so a range is only ever written by the one node that archives it.
 */
@FunctionalInterface
public interface ArchiveTarget {

    /** Starts keeping rows {@code firstSeq..lastSeq}. */
    Output open(long firstSeq, long lastSeq) throws IOException;

    /** One range being kept. */
    interface Output extends AutoCloseable {

        /**
         * Receives the range as JSON Lines. {@link OutputStream#flush()} must leave everything written durable:
         * retention flushes before it deletes the rows.
         */
        OutputStream stream();

        /**
         * The range is written and its summary signed; called after the deletion, just before it commits. Make the
         * range and its summary durable under their final names: if this throws, nothing is archived.
         */
        void complete(ArchiveSummary summary) throws IOException;

        /** Discards whatever was kept unless {@link #complete} succeeded. */
        @Override
        void close();
    }
}
