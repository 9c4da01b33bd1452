package dev.latchkey.broker.catalog;

/** A connection's parameters do not fit its provider's declared {@link ConnectionParameter}s. */
public final class InvalidConnectionParameterException extends IllegalArgumentException {

    private final String providerId;
    private final String parameter;

    InvalidConnectionParameterException(String providerId, String parameter, String problem) {
        super("provider '" + providerId + "': connection parameter '" + parameter + "' " + problem);
        this.providerId = providerId;
        this.parameter = parameter;
    }

    public String providerId() {
        return providerId;
    }

    public String parameter() {
        return parameter;
    }
}
