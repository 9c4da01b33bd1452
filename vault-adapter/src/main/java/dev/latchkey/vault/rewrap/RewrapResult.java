package dev.latchkey.vault.rewrap;

/**
 * What one {@link RewrapJob} run did.
 *
 * @param batches        batches claimed
 * @param claimed        values claimed
 * @param rewrapped      values re-wrapped and replaced
 * @param alreadyCurrent claimed values that turned out to be under the primary key already
 * @param conflicts      values changed by someone else between claim and replace (left as they are: the newer
 *                       write was sealed under the primary key anyway)
 * @param failed         values that could not be re-wrapped because they do not open (malformed, tampered, or their
 *                       key version is disabled); logged by id
 * @param complete       true if the run reached the end of the store
 */
public record RewrapResult(int batches, int claimed, int rewrapped, int alreadyCurrent, int conflicts, int failed,
        boolean complete) {

    RewrapResult plus(RewrapResult o) {
        return new RewrapResult(batches + o.batches, claimed + o.claimed, rewrapped + o.rewrapped,
                alreadyCurrent + o.alreadyCurrent, conflicts + o.conflicts, failed + o.failed, o.complete);
    }
}
