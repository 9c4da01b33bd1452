package dev.latchkey.launcher;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps the module boundaries the design draws: HTTP adapters translate, storage stays behind services. */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.latchkey");

    @Test
    void whenPagesRenderThenTheyNeverTouchTheDatabaseDirectly() {
        noClasses().that().resideInAPackage("dev.latchkey.ui..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.latchkey.db..", "org.jooq..")
                .check(CLASSES);
    }

    @Test
    void whenHttpAdaptersRunThenStorageIsReachedOnlyThroughServices() {
        noClasses().that().haveSimpleNameEndingWith("Controller")
                .should().dependOnClassesThat().resideInAnyPackage("dev.latchkey.db..", "org.jooq..")
                .check(CLASSES);
    }

    @Test
    void whenVaultCoreIsUsedThenItDoesNotDependOnSpring() {
        noClasses().that().resideInAPackage("dev.latchkey.vault..").and().resideOutsideOfPackage("dev.latchkey.vault.spring..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..")
                .check(CLASSES);
    }

    @Test
    void whenTheBrokerRunsThenItKnowsNothingOfTheAuthorizationServer() {
        // The two faces deploy apart; only the launcher (the composition root) sees both.
        noClasses().that().resideInAPackage("dev.latchkey.broker..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.latchkey.authz..", "dev.latchkey.ui..")
                .check(CLASSES);
    }

    @Test
    void whenBrokerDecisionsAreMadeThenTheyDoNotDependOnTheWebLayer() {
        noClasses().that().resideInAnyPackage("dev.latchkey.broker.catalog..", "dev.latchkey.broker.credential..",
                        "dev.latchkey.broker.refresh..", "dev.latchkey.broker.provider..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.web..", "jakarta.servlet..")
                .check(CLASSES);
    }
}
