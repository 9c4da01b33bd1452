package dev.latchkey.db.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** The embedded default keeps its data across restarts, and the migrations apply to a real PostgreSQL. */
class EmbeddedDatabaseTest {

    @Test
    void whenRestartedOnTheSameDirectoryThenDataSurvives() throws Exception {
        Path dir = Files.createTempDirectory("latchkey-embedded-");
        try (EmbeddedDatabase first = EmbeddedDatabase.start(dir)) {
            Flyway.configure().dataSource(first.jdbcUrl("postgres"), "postgres", "").locations("classpath:db/migration").load().migrate();
            try (Connection c = DriverManager.getConnection(first.jdbcUrl("postgres"), "postgres", "")) {
                c.createStatement().execute("insert into teams (id, name) values (gen_random_uuid(), 'survivor')");
            }
        }
        try (EmbeddedDatabase second = EmbeddedDatabase.start(dir);
                Connection c = DriverManager.getConnection(second.jdbcUrl("postgres"), "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("select count(*) from teams where name = 'survivor'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }
}
