package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.junit.jupiter.api.Test;

/**
 * Runs every flow that issues a secret value, then scans every text, bytea, json and array column of every table
 * for each value (as text, as raw bytes and hex-encoded) and finds none: the database holds hashes only.
 */
class HashedStorageScanTest {

    @Test
    void whenEveryFlowHasRunThenNoIssuedValueIsStoredAnywhere() {
        List<String> secrets = EveryFlow.run();
        List<String> findings = scan(TestServer.get().dsl(), secrets);
        assertThat(findings).isEmpty();
    }

    /** Every (table, column, value) where a secret value appears. */
    static List<String> scan(DSLContext dsl, List<String> secrets) {
        List<Record3<String, String, String>> columns = dsl.resultQuery("""
                select table_name::text, column_name::text, data_type::text from information_schema.columns
                where table_schema = 'public' and table_name <> 'flyway_schema_history'
                  and data_type in ('text', 'character varying', 'bytea', 'json', 'jsonb', 'ARRAY')
                """).coerce(org.jooq.impl.DSL.field("t", String.class), org.jooq.impl.DSL.field("c", String.class),
                org.jooq.impl.DSL.field("d", String.class)).fetch();
        assertThat(columns).as("the scan sees the schema").hasSizeGreaterThan(20);
        List<String> findings = new ArrayList<>();
        for (var column : columns) {
            String table = column.value1();
            String name = column.value2();
            String type = column.value3();
            for (String secret : secrets) {
                String condition = type.equals("bytea")
                        ? "position(convert_to({0}, 'UTF8') in \"" + name + "\") > 0 or encode(\"" + name + "\", 'hex') like {1}"
                        : "\"" + name + "\"::text like {1} or \"" + name + "\"::text like {2}";
                String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
                int hits = dsl.fetchCount(dsl.selectOne().from("\"" + table + "\"").where(condition,
                        org.jooq.impl.DSL.val(secret), org.jooq.impl.DSL.val("%" + (type.equals("bytea") ? hex : escape(secret)) + "%"),
                        org.jooq.impl.DSL.val("%" + hex + "%")));
                if (hits > 0) {
                    findings.add(table + "." + name + " holds an issued value (" + secret.substring(0, 6) + "…)");
                }
            }
        }
        return findings;
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
