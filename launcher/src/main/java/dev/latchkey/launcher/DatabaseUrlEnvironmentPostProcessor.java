package dev.latchkey.launcher;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Reads {@code DATABASE_URL} ({@code postgres://user:password@host:port/db} or a JDBC URL) into Spring's datasource
 * properties; explicit {@code spring.datasource.*} settings win.
 */
public class DatabaseUrlEnvironmentPostProcessor implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String url = environment.getProperty("DATABASE_URL");
        if (url == null || url.isBlank() || environment.containsProperty("spring.datasource.url")) {
            return;
        }
        Map<String, Object> properties = new HashMap<>();
        if (url.startsWith("jdbc:")) {
            properties.put("spring.datasource.url", url);
        } else {
            URI uri = URI.create(url);
            if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
                throw new IllegalArgumentException("DATABASE_URL must be a postgres:// or jdbc:postgresql: URL");
            }
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            int port = uri.getPort() == -1 ? 5432 : uri.getPort();
            properties.put("spring.datasource.url", "jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getRawPath() + query);
            if (uri.getRawUserInfo() != null) {
                String[] userInfo = uri.getRawUserInfo().split(":", 2);
                properties.put("spring.datasource.username", URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8));
                if (userInfo.length == 2) {
                    properties.put("spring.datasource.password", URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8));
                }
            }
        }
        environment.getPropertySources().addFirst(new MapPropertySource("latchkeyDatabaseUrl", properties));
    }
}
