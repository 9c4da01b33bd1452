package dev.latchkey.benchmarks.broker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the token fetch spends its CPU, from a JFR recording's {@code jdk.ExecutionSample} events: each sample goes
 * to one layer, the innermost frame that belongs to a known layer (so JDK code counts for whoever called it), and
 * selected methods are also reported inclusively (the share of samples with that method anywhere on the stack).
 * {@code jfr view hot-methods} only names leaf methods, which for a request path through Tomcat, Spring Security and
 * Spring MVC is a long flat list of one-percenters.
 *
 * <pre>java -cp benchmarks.jar dev.latchkey.benchmarks.broker.JfrBreakdown recording.jfr</pre>
 */
public final class JfrBreakdown {

    /** Layer name → class-name prefixes, in the order they are tried on each frame (innermost frame first). */
    private static final Map<String, List<String>> LAYERS = new LinkedHashMap<>();

    static {
        LAYERS.put("vault: DataKeyCache lookup", List.of("dev.latchkey.vault.DataKeyCache"));
        LAYERS.put("vault: EnvelopeSealer.open (parse, SHA-256 cache id, AES-GCM)", List.of("dev.latchkey.vault."));
        LAYERS.put("JDBC: pgjdbc driver", List.of("org.postgresql."));
        LAYERS.put("JDBC: Hikari pool", List.of("com.zaxxer.hikari."));
        LAYERS.put("JDBC: jOOQ / Spring transaction wrappers", List.of("org.jooq.", "org.springframework.jdbc.",
                "org.springframework.transaction."));
        LAYERS.put("Jackson (response JSON)", List.of("tools.jackson.", "com.fasterxml.jackson."));
        LAYERS.put("broker code (TokenService, CredentialStore, Callers, CredentialReads, …)",
                List.of("dev.latchkey.broker."));
        LAYERS.put("authz: caller token introspection", List.of("dev.latchkey.authz."));
        LAYERS.put("other Latchkey code", List.of("dev.latchkey."));
        LAYERS.put("Spring MVC (dispatch, mapping, argument/return handling, converters)",
                List.of("org.springframework.web.servlet.", "org.springframework.web.method.",
                        "org.springframework.web.bind.", "org.springframework.web.accept.",
                        "org.springframework.http."));
        LAYERS.put("Spring Security filter chain", List.of("org.springframework.security."));
        LAYERS.put("other servlet filters, observation, Spring context", List.of("org.springframework.",
                "io.micrometer."));
        LAYERS.put("Tomcat (connector, HTTP parsing, socket I/O, servlet container)", List.of("org.apache."));
    }

    /** Utility code that counts for its caller, like the JDK. */
    private static final List<String> NEUTRAL = List.of("org.springframework.util.", "org.springframework.core.",
            "org.springframework.lang.");

    /** Methods reported inclusively: class name + "." + method name. */
    private static final List<String> INCLUSIVE = List.of(
            "org.springframework.security.web.FilterChainProxy.doFilterInternal",
            "org.springframework.web.servlet.DispatcherServlet.doDispatch",
            "dev.latchkey.broker.api.BrokerApiController.token",
            "dev.latchkey.broker.api.Callers.of",
            "dev.latchkey.broker.access.CachingTokenIntrospector.introspect",
            "dev.latchkey.broker.token.TokenService.fetch",
            "dev.latchkey.broker.credential.CredentialStore.find",
            "dev.latchkey.broker.credential.CredentialSealer.openAccess",
            "dev.latchkey.broker.token.CredentialReads.read",
            "org.springframework.web.servlet.mvc.method.annotation.HttpEntityMethodProcessor.handleReturnValue");

    private JfrBreakdown() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: JfrBreakdown recording.jfr");
            System.exit(2);
        }
        Map<String, Integer> layers = new LinkedHashMap<>();
        LAYERS.keySet().forEach(name -> layers.put(name, 0));
        layers.put("JDK only (GC, JIT and VM threads are not sampled here)", 0);
        Map<String, Integer> inclusive = new LinkedHashMap<>();
        INCLUSIVE.forEach(name -> inclusive.put(name, 0));
        int samples = 0;
        int truncated = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null) {
                continue;
            }
            samples++;
            truncated += stack.isTruncated() ? 1 : 0;
            List<String> frames = new ArrayList<>();
            for (RecordedFrame frame : stack.getFrames()) {
                if (frame.getMethod() != null && frame.getMethod().getType() != null) {
                    frames.add(frame.getMethod().getType().getName() + "." + frame.getMethod().getName());
                }
            }
            layers.merge(layerOf(frames), 1, Integer::sum);
            for (String method : INCLUSIVE) {
                if (frames.contains(method)) {
                    inclusive.merge(method, 1, Integer::sum);
                }
            }
        }
        System.out.printf("%d execution samples (%d with truncated stacks)%n%n", samples, truncated);
        System.out.println("by layer (innermost recognised frame):");
        int total = samples;
        layers.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / total, e.getKey()));
        System.out.println();
        System.out.println("inclusive (method anywhere on the stack):");
        inclusive.forEach((method, n) -> System.out.printf("  %5.1f%%  %s%n", 100.0 * n / total, method));
    }

    private static String layerOf(List<String> frames) {
        for (String frame : frames) {
            if (NEUTRAL.stream().anyMatch(frame::startsWith)) {
                continue;
            }
            for (Map.Entry<String, List<String>> layer : LAYERS.entrySet()) {
                for (String prefix : layer.getValue()) {
                    if (frame.startsWith(prefix)) {
                        return layer.getKey();
                    }
                }
            }
        }
        return "JDK only (GC, JIT and VM threads are not sampled here)";
    }
}
