package dev.latchkey.audit.chain;

import dev.latchkey.vault.SecretBytes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checkpoint keys. Prefer a key pair ({@link #keyPair}): whoever holds only the public key (an auditor, a SIEM) can
 * check checkpoints and archive summaries, and cannot make them. An HMAC key ({@link #hmacSha256}) is simpler but
 * every verifier can also sign.
 *
 * <p>Algorithms follow the key: Ed25519, ECDSA with SHA-256 ({@code EC}), or RSA PKCS#1 v1.5 with SHA-256.
 */
public final class Signatures {

    /** Name of the sealed system secret that holds an HMAC checkpoint key, when one is used. */
    public static final String HMAC_SYSTEM_SECRET_NAME = "audit-checkpoint-key";

    /** Name of the sealed system secret holding the application's Ed25519 checkpoint key (its 32-byte seed). */
    public static final String ED25519_SEED_SYSTEM_SECRET_NAME = "audit-checkpoint-ed25519-seed";

    private Signatures() {}

    /** An HMAC-SHA256 key of at least 256 bits. The caller keeps and may close {@code key}. */
    public static SigningKey hmacSha256(String keyId, SecretBytes key) {
        byte[] bytes = key.revealBytes();
        try {
            if (bytes.length < 32) {
                throw new IllegalArgumentException("an HMAC checkpoint key must be at least 256 bits");
            }
            return new HmacKey(requireKeyId(keyId), new SecretKeySpec(bytes, "HmacSHA256"));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * A key pair; {@code publicKey} must belong to {@code privateKey} (checked by a test signature, so a mismatch
     * fails at start-up rather than at the first verification).
     */
    public static SigningKey keyPair(String keyId, PrivateKey privateKey, PublicKey publicKey) {
        String algorithm = algorithm(publicKey);
        if (!algorithm.equals(algorithm(privateKey))) {
            throw new IllegalArgumentException("private and public key are of different types");
        }
        AsymmetricKey key = new AsymmetricKey(requireKeyId(keyId), algorithm, privateKey, publicKey);
        byte[] probe = "latchkey.audit.key-pair-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (!key.verify(keyId, probe, key.sign(probe))) {
            throw new IllegalArgumentException("the public key does not belong to the private key");
        }
        return key;
    }

    /**
     * The Ed25519 key pair of a 32-byte seed (RFC 8032: the private key is the seed), with the key id
     * {@code audit-ed25519-} + the first 8 bytes of SHA-256 of the public key, hex: the same seed always gives the
     * same key and id, so the application and the command line derive the key the same way. The caller keeps and
     * may close {@code seed}.
     */
    public static SigningKey ed25519FromSeed(SecretBytes seed) {
        byte[] bytes = seed.revealBytes();
        try {
            if (bytes.length != 32) {
                throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            // The JDK generator takes the private key from its random source: hand it exactly the seed.
            generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
                @Override
                public void nextBytes(byte[] out) {
                    if (out.length != bytes.length) {
                        throw new IllegalStateException("unexpected seed request");
                    }
                    System.arraycopy(bytes, 0, out, 0, bytes.length);
                }
            });
            KeyPair pair = generator.generateKeyPair();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(pair.getPublic().getEncoded());
            return keyPair("audit-ed25519-" + HexFormat.of().formatHex(digest, 0, 8), pair.getPrivate(),
                    pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the Ed25519 checkpoint key", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Verification only, with a public key. */
    public static SignatureVerifier publicKey(String keyId, PublicKey publicKey) {
        return new AsymmetricKey(requireKeyId(keyId), algorithm(publicKey), null, publicKey);
    }

    /** Accepts a signature any of {@code verifiers} accepts (old and new keys during a rotation). */
    public static SignatureVerifier anyOf(List<? extends SignatureVerifier> verifiers) {
        List<SignatureVerifier> copy = List.copyOf(verifiers);
        return (keyId, message, signature) -> copy.stream().anyMatch(v -> v.verify(keyId, message, signature));
    }

    /**
     * The public half of a key pair as PEM ({@code -----BEGIN PUBLIC KEY-----}), what {@link #parsePublicKeyPem}
     * reads back.
     *
     * @throws IllegalArgumentException for an HMAC key, which has no public half
     */
    public static String publicKeyPem(SigningKey key) {
        if (!(key instanceof AsymmetricKey pair)) {
            throw new IllegalArgumentException("key " + key.keyId() + " has no public half");
        }
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.publicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** A public key from PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo): Ed25519, EC or RSA. */
    public static PublicKey parsePublicKeyPem(String pem) {
        String body = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(body);
        for (String type : List.of("Ed25519", "EC", "RSA")) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("not an Ed25519, EC or RSA public key");
    }

    private static String requireKeyId(String keyId) {
        if (keyId == null || keyId.isBlank() || keyId.length() > 200) {
            throw new IllegalArgumentException("key id must be 1..200 characters");
        }
        return keyId;
    }

    private static String algorithm(java.security.Key key) {
        Objects.requireNonNull(key, "key");
        return switch (key.getAlgorithm()) {
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported checkpoint key type " + key.getAlgorithm());
        };
    }

    private record HmacKey(String keyId, SecretKeySpec key) implements SigningKey {

        @Override
        public byte[] sign(byte[] message) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac.doFinal(message);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA256 unavailable", e);
            }
        }

        @Override
        public boolean verify(String keyId, byte[] message, byte[] signature) {
            return this.keyId.equals(keyId) && signature != null && MessageDigest.isEqual(sign(message), signature);
        }

        @Override
        public String toString() {
            return "HmacKey[" + keyId + ", redacted]";
        }
    }

    private record AsymmetricKey(String keyId, String algorithm, PrivateKey privateKey, PublicKey publicKey)
            implements SigningKey {

        @Override
        public byte[] sign(byte[] message) {
            if (privateKey == null) {
                throw new IllegalStateException("verification-only key " + keyId);
            }
            try {
                Signature s = Signature.getInstance(algorithm);
                s.initSign(privateKey);
                s.update(message);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign with " + algorithm, e);
            }
        }

        @Override
        public boolean verify(String keyId, byte[] message, byte[] signature) {
            if (!this.keyId.equals(keyId) || signature == null) {
                return false;
            }
            try {
                Signature s = Signature.getInstance(algorithm);
                s.initVerify(publicKey);
                s.update(message);
                return s.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return "AsymmetricKey[" + keyId + ", " + algorithm + "]";
        }
    }
}
