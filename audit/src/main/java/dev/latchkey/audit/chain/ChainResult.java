package dev.latchkey.audit.chain;

/**
 * What one chaining pass did.
 *
 * @param lockAcquired false when another node was chaining (nothing was done)
 * @param chained rows linked in this pass
 * @param headSeq the chain's last seq after the pass (0 for an empty chain; -1 if the lock was not acquired)
 */
public record ChainResult(boolean lockAcquired, int chained, long headSeq) {
}
