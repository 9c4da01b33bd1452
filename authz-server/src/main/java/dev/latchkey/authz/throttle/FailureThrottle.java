package dev.latchkey.authz.throttle;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Set;

/**
 * Counts authentication failures and says whether an attempt may proceed. Plain class: no web, no database; every
 * call is a few in-memory cache lookups. Three rules, each a sliding window of the last {@code maxFailures} failures:
 * <ul>
 * <li><b>pair</b> (kind, account, source): after {@code maxFailures} within the window the pair is blocked, for
 * {@code firstBlock} doubling on each further block up to {@code maxBlock}. A success clears the pair.</li>
 * <li><b>source</b> (kind, source, any account): stops spraying many accounts from one address.</li>
 * <li><b>account</b> (kind, account, any source): a much higher threshold and a short fixed delay, so it only slows
 * a distributed attack; it never applies to a source that has signed in to the account successfully before (known
 * good pair), so an attacker cannot lock the owner out from their usual address.</li>
 * </ul>
 * Accounts that do not exist are counted exactly like those that do: the throttle never reveals existence.
 * State is per process (per node): with N nodes behind a balancer an attacker gets up to N times the limits, and a
 * restart forgets everything.
 */
public final class FailureThrottle {

    public enum Kind { LOGIN, CLIENT }

    /** One rule: {@code maxFailures} failures within {@code window} block for {@code firstBlock}, doubling up to {@code maxBlock}. */
    public record Rule(int maxFailures, Duration window, Duration firstBlock, Duration maxBlock) {
        public Rule {
            if (maxFailures < 1 || window.isNegative() || firstBlock.isNegative() || maxBlock.compareTo(firstBlock) < 0) {
                throw new IllegalArgumentException("invalid throttle rule");
            }
        }
    }

    /**
     * @param exemptSources exact addresses never throttled (default none; tests exempt their loopback address)
     * @param knownGoodFor  how long a successful (account, source) pair stays exempt from the account rule
     * @param maxEntries    bound of each cache (memory); under a flood of distinct keys the oldest are evicted
     */
    public record Settings(boolean enabled, Rule pair, Rule source, Rule account, Set<String> exemptSources,
            Duration knownGoodFor, long maxEntries) {}

    private record Key(Kind kind, String account, String source) {}

    /** Failure times of one key, as a ring of the last maxFailures, plus the current block and the number of blocks. */
    private static final class Counter {
        final long[] times;
        int next;
        int size;
        int blocks;
        long blockedUntil;

        Counter(int max) {
            times = new long[max];
        }
    }

    private static final int MAX_KEY_LENGTH = 256;

    private final Settings settings;
    private final Ticker ticker;
    private final Cache<Key, Counter> pairs;
    private final Cache<Key, Counter> sources;
    private final Cache<Key, Counter> accounts;
    private final Cache<Key, Boolean> knownGood;

    public FailureThrottle(Settings settings, Ticker ticker) {
        this.settings = settings;
        this.ticker = ticker;
        this.pairs = cache(settings.pair());
        this.sources = cache(settings.source());
        this.accounts = cache(settings.account());
        this.knownGood = Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxEntries())
                .expireAfterWrite(settings.knownGoodFor()).build();
    }

    private Cache<Key, Counter> cache(Rule rule) {
        // Idle entries go once neither their window nor their longest block can matter any more.
        return Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxEntries())
                .expireAfterAccess(rule.window().plus(rule.maxBlock())).build();
    }

    /** How long the attempt must wait; {@link Duration#ZERO} when it may proceed. */
    public Duration blockedFor(Kind kind, String account, String source) {
        if (!settings.enabled() || settings.exemptSources().contains(source)) {
            return Duration.ZERO;
        }
        long now = ticker.read();
        account = normalise(account);
        long until = Math.max(until(pairs, new Key(kind, account, source)), until(sources, new Key(kind, null, source)));
        if (knownGood.getIfPresent(new Key(kind, account, source)) == null) {
            until = Math.max(until, until(accounts, new Key(kind, account, null)));
        }
        return until > now ? Duration.ofNanos(until - now) : Duration.ZERO;
    }

    public void recordFailure(Kind kind, String account, String source) {
        if (!settings.enabled() || settings.exemptSources().contains(source)) {
            return;
        }
        account = normalise(account);
        long now = ticker.read();
        count(pairs, new Key(kind, account, source), settings.pair(), now);
        count(sources, new Key(kind, null, source), settings.source(), now);
        count(accounts, new Key(kind, account, null), settings.account(), now);
    }

    /** Clears the pair (its failures and its doubling) and remembers it as known good for the account rule. */
    public void recordSuccess(Kind kind, String account, String source) {
        if (!settings.enabled() || settings.exemptSources().contains(source)) {
            return;
        }
        Key pair = new Key(kind, normalise(account), source);
        pairs.invalidate(pair);
        knownGood.put(pair, Boolean.TRUE);
    }

    private long until(Cache<Key, Counter> cache, Key key) {
        Counter counter = cache.getIfPresent(key);
        if (counter == null) {
            return 0;
        }
        synchronized (counter) {
            return counter.blockedUntil;
        }
    }

    private static void count(Cache<Key, Counter> cache, Key key, Rule rule, long now) {
        Counter counter = cache.get(key, k -> new Counter(rule.maxFailures()));
        synchronized (counter) {
            if (counter.blockedUntil > now) {
                return; // attempts that slipped through while blocked neither extend nor double the block
            }
            counter.times[counter.next] = now;
            counter.next = (counter.next + 1) % counter.times.length;
            counter.size = Math.min(counter.size + 1, counter.times.length);
            // After the write, the slot at next holds the oldest of the last maxFailures failures.
            long oldest = counter.times[counter.next];
            if (counter.size == counter.times.length && now - oldest <= rule.window().toNanos()) {
                long block = rule.firstBlock().toNanos() << Math.min(counter.blocks, 30);
                block = block <= 0 || block > rule.maxBlock().toNanos() ? rule.maxBlock().toNanos() : block;
                counter.blockedUntil = now + block;
                counter.blocks++;
                counter.size = 0;
            }
        }
    }

    /** Usernames and client ids as submitted, bounded in length (no lower-casing: both are case-sensitive here). */
    private static String normalise(String account) {
        if (account == null) {
            return "";
        }
        return account.length() > MAX_KEY_LENGTH ? account.substring(0, MAX_KEY_LENGTH) : account;
    }
}
