package dev.latchkey.authz.hashing;

import de.mkammerer.argon2.Argon2;
import de.mkammerer.argon2.Argon2Factory;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Argon2id password/secret hashing producing PHC strings ({@code $argon2id$v=19$m=…,t=…,p=…$salt$hash}).
 * Defaults follow OWASP's minimum (19 MiB, 2 iterations, 1 lane); verification reads the parameters from the stored
 * string, so raising them later still verifies old hashes.
 */
public final class Argon2idPasswordEncoder implements PasswordEncoder {

    private final Argon2 argon2 = Argon2Factory.create(Argon2Factory.Argon2Types.ARGON2id, 16, 32);
    private final int iterations;
    private final int memoryKiB;
    private final int parallelism;

    public Argon2idPasswordEncoder(int iterations, int memoryKiB, int parallelism) {
        this.iterations = iterations;
        this.memoryKiB = memoryKiB;
        this.parallelism = parallelism;
    }

    public static Argon2idPasswordEncoder owaspDefaults() {
        return new Argon2idPasswordEncoder(2, 19 * 1024, 1);
    }

    @Override
    public String encode(CharSequence rawPassword) {
        char[] chars = toChars(rawPassword);
        try {
            return argon2.hash(iterations, memoryKiB, parallelism, chars);
        } finally {
            argon2.wipeArray(chars);
        }
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        if (rawPassword == null || encodedPassword == null || !encodedPassword.startsWith("$argon2id$")) {
            return false;
        }
        char[] chars = toChars(rawPassword);
        try {
            return argon2.verify(encodedPassword, chars);
        } catch (RuntimeException malformedHash) {
            return false;
        } finally {
            argon2.wipeArray(chars);
        }
    }

    private static char[] toChars(CharSequence value) {
        char[] chars = new char[value.length()];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = value.charAt(i);
        }
        return chars;
    }
}
