package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Drives every flow with every logger at DEBUG and captures what was logged: no issued token, code, client secret,
 * password, registration token, third-party token, connect-session token or API key appears in any log line or
 * logged exception. Only the scripted providers' own HTTP server log (the third party's side) is left out.
 */
class SecretFreeLogsTest {

    @Test
    void whenEveryFlowRunsAtDebugThenNoSecretIsLogged() {
        TestServer.get();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level previous = root.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        root.setLevel(Level.DEBUG);
        List<String> secrets;
        try {
            secrets = EveryFlow.run();
        } finally {
            root.setLevel(previous);
            root.detachAppender(captured);
        }
        assertThat(captured.list).as("DEBUG logging was captured").hasSizeGreaterThan(100);
        List<String> leaks = new ArrayList<>();
        for (ILoggingEvent event : captured.list) {
            if (event.getLoggerName().startsWith("com.sun.net.httpserver")) {
                continue; // the scripted providers' own HTTP server (the third party's logs, not Latchkey's)
            }
            String line = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            for (String secret : secrets) {
                if (line.contains(secret)) {
                    leaks.add(event.getLoggerName() + ": " + line.replace(secret, "<" + secret.substring(0, 6) + "…>"));
                }
            }
        }
        assertThat(leaks).isEmpty();
    }
}
