package dev.latchkey.launcher;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.latchkey.db.embedded.EmbeddedDatabase;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With no database configured ({@code DATABASE_URL} or {@code spring.datasource.url}), Latchkey runs its own
 * PostgreSQL from the embedded binaries, keeping data under {@code latchkey.data-dir}, so a restart keeps state.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
public class EmbeddedDatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedDatabase embeddedDatabase(@Value("${latchkey.data-dir}") Path dataDir) {
        Path directory = dataDir.resolve("postgres").toAbsolutePath();
        log.warn("No database configured: running an embedded PostgreSQL with data in {} (set DATABASE_URL for production)", directory);
        return EmbeddedDatabase.start(directory);
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedDatabase database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl("postgres"));
        config.setUsername(database.username());
        config.setMaximumPoolSize(20);
        config.setPoolName("latchkey-embedded");
        return new HikariDataSource(config);
    }
}
