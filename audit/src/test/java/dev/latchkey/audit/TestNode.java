package dev.latchkey.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.springframework.boot.jooq.autoconfigure.SpringTransactionProvider;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One Latchkey node's database wiring as Spring Boot sets it up: a pool, a transaction manager, and a
 * {@link DSLContext} on a transaction-aware data source with Spring's jOOQ transaction provider, so code run in
 * {@link #inTransaction} joins that transaction exactly as a {@code @Transactional} service method does.
 */
public final class TestNode implements AutoCloseable {

    private final HikariDataSource pool;
    private final DataSourceTransactionManager transactionManager;
    private final TransactionTemplate transactions;
    private final DSLContext dsl;

    public TestNode(String jdbcUrl, String user, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(poolSize);
        this.pool = new HikariDataSource(config);
        this.transactionManager = new DataSourceTransactionManager(pool);
        this.transactions = new TransactionTemplate(transactionManager);
        this.dsl = DSL.using(new DefaultConfiguration()
                .set(new DataSourceConnectionProvider(new TransactionAwareDataSourceProxy(pool)))
                .set(new SpringTransactionProvider(transactionManager))
                .set(SQLDialect.POSTGRES));
    }

    public DSLContext dsl() {
        return dsl;
    }

    public DataSource dataSource() {
        return pool;
    }

    public PlatformTransactionManager transactionManager() {
        return transactionManager;
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
