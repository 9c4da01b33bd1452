package dev.latchkey.vault;

/** Owners used across the tests. */
public final class TestSealContexts {

    private TestSealContexts() {
    }

    /** Tenant A's access token for credential 1. */
    public static SealContext accessToken() {
        return new SealContext("tenant-a", "cred-1", "credential.access_token");
    }

    /** The same record of tenant A, another purpose. */
    public static SealContext refreshToken() {
        return new SealContext("tenant-a", "cred-1", "credential.refresh_token");
    }

    /** Tenant A, another record. */
    public static SealContext otherRecord() {
        return new SealContext("tenant-a", "cred-2", "credential.access_token");
    }

    /** Another tenant, same record id and purpose. */
    public static SealContext otherTenant() {
        return new SealContext("tenant-b", "cred-1", "credential.access_token");
    }

    public static SealContext record(String recordId) {
        return new SealContext("tenant-a", recordId, "credential.access_token");
    }
}
