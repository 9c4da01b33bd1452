package dev.latchkey.audit.query;

import dev.latchkey.audit.AuditEntry;
import java.util.List;

/**
 * One page of a search, newest first.
 *
 * @param nextCursor opaque; pass to {@link AuditQuery#after} for the next page; null on the last page
 */
public record AuditPage(List<AuditEntry> entries, String nextCursor) {

    public AuditPage {
        entries = List.copyOf(entries);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
