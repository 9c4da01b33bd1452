package dev.latchkey.authz.audit;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The audit trail's background work ({@code latchkey.audit.*}). How often the jobs run is read by their
 * {@code @Scheduled} annotations: {@code latchkey.audit.retention.interval} (default 1 hour) and
 * {@code latchkey.audit.verify.check-interval} / {@code .initial-delay} (1 minute / 5 minutes).
 *
 * @param retention archiving old rows to files; off unless enabled
 * @param verify the periodic full verification
 */
@ConfigurationProperties("latchkey.audit")
public record AuditProperties(Retention retention, Verify verify) {

    public AuditProperties {
        retention = retention == null ? new Retention(false, null, null, null) : retention;
        verify = verify == null ? new Verify(null) : verify;
    }

    /**
     * @param enabled whether this node archives (every node may: ranges are taken under the chain lock)
     * @param keep events older than this are archived (default 400 days)
     * @param archiveDir where the archive files go; required when enabled, created if missing
     * @param maxRowsPerArchive rows per archive file (default 50,000): bounds how long one archive holds the chain
     *     lock, during which no node chains new events
     */
    public record Retention(boolean enabled, Duration keep, Path archiveDir, Integer maxRowsPerArchive) {
        public Retention {
            keep = keep == null ? Duration.ofDays(400) : keep;
            maxRowsPerArchive = maxRowsPerArchive == null ? 50_000 : maxRowsPerArchive;
            if (enabled && archiveDir == null) {
                throw new IllegalArgumentException("latchkey.audit.retention.archive-dir is required when "
                        + "latchkey.audit.retention.enabled is true: name a directory for the archive files");
            }
            if (!keep.isPositive()) {
                throw new IllegalArgumentException("latchkey.audit.retention.keep must be positive");
            }
            if (maxRowsPerArchive < 1 || maxRowsPerArchive > 1_000_000) {
                throw new IllegalArgumentException("latchkey.audit.retention.max-rows-per-archive must be 1..1000000");
            }
        }
    }

    /** @param interval how often the whole trail is verified, by one node of the cluster (default 1 day) */
    public record Verify(Duration interval) {
        public Verify {
            interval = interval == null ? Duration.ofDays(1) : interval;
            if (!interval.isPositive()) {
                throw new IllegalArgumentException("latchkey.audit.verify.interval must be positive");
            }
        }
    }
}
