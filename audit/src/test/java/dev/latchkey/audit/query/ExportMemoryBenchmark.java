package dev.latchkey.audit.query;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Exports every audit row of a database to a counting {@link OutputStream} and prints how much heap that took.
 * Run it with a small {@code -Xmx} (the test uses 64 MB): a million rows are about 500 MB of JSON Lines, so finishing
 * at all shows the export streams.
 *
 * <pre>java -Xmx64m -cp … dev.latchkey.audit.query.ExportMemoryBenchmark JDBC_URL USER [JSON_LINES|CSV]</pre>
 *
 * <p>Prints one line: {@code rows=… bytes=… seconds=… maxHeap=…MB baselineHeap=…MB peakHeapUsed=…MB
 * maxLiveHeapAfterGc=…MB gcs=…}. {@code baselineHeap} is what the JVM held after a full GC before exporting.
 * {@code peakHeapUsed} is the sum of the heap pools' peaks (garbage included, an upper bound);
 * {@code maxLiveHeapAfterGc} is the most heap any garbage collection left in use (what the export actually holds).
 */
public final class ExportMemoryBenchmark {

    private ExportMemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        AuditExporter.Format format = args.length > 2 ? AuditExporter.Format.valueOf(args[2])
                : AuditExporter.Format.JSON_LINES;
        java.util.Set<String> heapPools = new java.util.HashSet<>();
        ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .forEach(p -> heapPools.add(p.getName()));
        AtomicLong maxAfterGc = new AtomicLong();
        AtomicLong gcs = new AtomicLong();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    GarbageCollectionNotificationInfo info =
                            GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                    long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                            .filter(e -> heapPools.contains(e.getKey()))
                            .mapToLong(e -> e.getValue().getUsed()).sum();
                    maxAfterGc.accumulateAndGet(used, Math::max);
                    gcs.incrementAndGet();
                }
            }, null, null);
        }
        try (Connection connection = DriverManager.getConnection(url, user, "")) {
            var dsl = DSL.using(connection, SQLDialect.POSTGRES);
            System.gc();
            long baseline = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getUsage().getUsed()).sum();
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            maxAfterGc.set(0);
            CountingOutputStream out = new CountingOutputStream();
            long start = System.nanoTime();
            long rows = new AuditExporter(dsl).export(AuditQuery.all(), format, out);
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            System.out.printf("rows=%d bytes=%d seconds=%.1f maxHeap=%dMB baselineHeap=%.1fMB peakHeapUsed=%.1fMB"
                            + " maxLiveHeapAfterGc=%.1fMB gcs=%d gc=%s%n",
                    rows, out.count, seconds, Runtime.getRuntime().maxMemory() >> 20, baseline / 1048576.0,
                    peak / 1048576.0,
                    maxAfterGc.get() / 1048576.0, gcs.get(),
                    ManagementFactory.getGarbageCollectorMXBeans().getFirst().getName());
        }
    }

    /** Counts and discards. */
    static final class CountingOutputStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
