package dev.latchkey.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DSL;
import org.springframework.boot.jooq.autoconfigure.SpringTransactionProvider;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One Latchkey node's database wiring, as Spring Boot sets it up: a connection pool, a transaction manager, and a
 * {@link DSLContext} on a transaction-aware data source with Spring's jOOQ transaction provider. Code that runs in
 * {@link #inTransaction} and uses {@link #dsl()} joins the same transaction, exactly as a service method marked
 * {@code @Transactional} does.
 */
public final class TestNode implements AutoCloseable {

    private final HikariDataSource pool;
    private final TransactionTemplate transactions;
    private final DSLContext dsl;

    TestNode(String jdbcUrl, String user, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(poolSize);
        this.pool = new HikariDataSource(config);
        DataSourceTransactionManager manager = new DataSourceTransactionManager(pool);
        this.transactions = new TransactionTemplate(manager);
        this.dsl = DSL.using(new DefaultConfiguration()
                .set(new DataSourceConnectionProvider(new TransactionAwareDataSourceProxy(pool)))
                .set(new SpringTransactionProvider(manager))
                .set(SQLDialect.POSTGRES));
    }

    public DSLContext dsl() {
        return dsl;
    }

    public <T> T inTransaction(Supplier<T> work) {
        return transactions.execute(status -> work.get());
    }

    public void inTransaction(Runnable work) {
        transactions.executeWithoutResult(status -> work.run());
    }

    @Override
    public void close() {
        pool.close();
    }
}
