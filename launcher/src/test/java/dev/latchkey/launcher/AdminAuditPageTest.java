package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.latchkey.launcher.TestOAuth.User;
import dev.latchkey.ui.UiSecurityConfiguration;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin audit page ({@code /admin/audit}) over real HTTP: filters, paging, errors inline, roles, verification. */
class AdminAuditPageTest {

    private static final User ADMIN = new User(null, TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
    private static final Pattern OLDER = Pattern.compile("href=\"([^\"]*cursor=[^\"]*)\"[^>]*>Older events<");
    private static Http admin;

    @BeforeAll
    static void signedInAdmin() {
        admin = Http.browser();
        TestOAuth.login(admin, ADMIN);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void whenAdminCreatesTeamThenTheEventAppearsFilteredByActionAndTarget() {
        UUID team = TestOAuth.team();
        HttpResponse<String> page = admin.get("/admin/audit?action=team.created&target=" + enc("team:" + team), "Accept", "text/html");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).startsWith(UiSecurityConfiguration.CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
        String body = page.body();
        assertThat(body).contains("Audit trail").contains("<code>team.created</code>").contains("team:" + team)
                .contains("href=\"/admin/audit\"").contains("href=\"/admin/audit/verify\"");
        assertThat(body.split("data-event-id=", -1)).as("exactly one event").hasSize(2);
        assertThat(body).as("filter is kept in the form").contains("value=\"team.created\"");
        assertThat(body).contains("<label for=\"filter-action\">Action</label>").contains("<label for=\"filter-outcome\">Outcome</label>");

        HttpResponse<String> other = admin.get("/admin/audit?action=team.created&target=" + enc("team:" + UUID.randomUUID()));
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.body()).doesNotContain("data-event-id=").contains("No events match");
        assertThat(admin.get("/admin/apps").body()).as("linked from the admin navigation").contains("href=\"/admin/audit\"");
    }

    @Test
    void whenMoreEventsMatchThenOlderEventsLinkPagesWithTheCursorAndKeepsTheFilters() {
        for (int i = 0; i < 51; i++) {
            TestOAuth.team();
        }
        HttpResponse<String> first = admin.get("/admin/audit?action=team.created");
        Matcher older = OLDER.matcher(first.body());
        assertThat(older.find()).as("older events link").isTrue();
        String href = older.group(1).replace("&amp;", "&");
        assertThat(href).contains("action=team.created");
        HttpResponse<String> second = admin.get(href);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(second.body()).contains("data-event-id=").contains("Back to the newest events");
        assertThat(firstId(second.body())).isLessThan(firstId(first.body()));
    }

    private static long firstId(String html) {
        Matcher m = Pattern.compile("data-event-id=\"(\\d+)\"").matcher(html);
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void whenFiltersAreMalformedThenThePageShowsTheErrorInlineNeverA500() {
        for (String query : List.of("from=yesterday", "to=2026-13-01T00:00:00Z", "outcome=maybe", "cursor=forged",
                "cursor=c1AAAA", "target=%3Aid", "target=app%3A", "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                "actor=" + "x".repeat(300), "action=%3Cscript%3Ealert(1)%3C%2Fscript%3E&from=nope")) {
            HttpResponse<String> response = admin.get("/admin/audit?" + query, "Accept", "text/html");
            assertThat(response.statusCode()).as(query).isIn(200, 400);
            assertThat(response.body()).as(query).contains("class=\"error-summary\"").contains("Audit trail")
                    .doesNotContain("<script>alert(1)");
        }
        HttpResponse<String> escaped = admin.get("/admin/audit?action=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        assertThat(escaped.statusCode()).isEqualTo(200);
        assertThat(escaped.body()).doesNotContain("<script>alert(1)").contains("&lt;script&gt;");
        HttpResponse<String> export = admin.get("/admin/audit/export?format=xml");
        assertThat(export.statusCode()).isEqualTo(303);
    }

    @Test
    void whenAdminDownloadsAnExportThenItStreamsTheFilteredEvents() {
        UUID team = TestOAuth.team();
        HttpResponse<String> csv = admin.get("/admin/audit/export?format=csv&tenant=" + team);
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(csv.body()).contains("team.created");
        HttpResponse<String> jsonl = admin.get("/admin/audit/export?format=jsonl&action=team.created&target=" + enc("team:" + team));
        assertThat(jsonl.statusCode()).isEqualTo(200);
        assertThat(jsonl.body().strip().split("\n")).hasSize(1);
        assertThat(Http.JSON.readTree(jsonl.body().strip()).get("action").asText()).isEqualTo("team.created");
    }

    @Test
    void whenUserIsNotAnAdminThenTheAuditPagesAreForbidden() {
        assertThat(Http.browser().get("/admin/audit").headers().firstValue("Location").orElse("")).endsWith("/login");
        UUID team = TestOAuth.team();
        for (User user : List.of(TestOAuth.user(team), TestOAuth.user(team, "developer"))) {
            Http browser = Http.browser();
            TestOAuth.login(browser, user);
            for (String path : List.of("/admin/audit", "/admin/audit?action=team.created", "/admin/audit/verify",
                    "/admin/audit/export?format=csv")) {
                HttpResponse<String> response = browser.get(path, "Accept", "text/html");
                assertThat(response.statusCode()).as(path).isEqualTo(403);
                assertThat(response.body()).doesNotContain("team.created");
            }
        }
    }

    @Test
    void whenAdminVerifiesThenThePageSaysTheChainVerifies() {
        TestOAuth.team();
        HttpResponse<String> page = admin.get("/admin/audit/verify");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("The audit trail verifies").doesNotContain("does not verify").contains("Rows checked");
    }

    @Test
    void whenAdminOpensThePageInChromiumThenFiltersAreLabelledAndAScreenshotIsSaved() {
        TestOAuth.team();
        try (var context = TestBrowser.get().newContext()) {
            Page page = context.newPage();
            page.navigate(TestServer.get().baseUrl() + "/admin/audit");
            page.getByLabel("Username").fill(ADMIN.username());
            page.getByLabel("Password").fill(ADMIN.password());
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            page.waitForURL(url -> java.net.URI.create(url).getPath().equals("/admin/audit"), new Page.WaitForURLOptions().setTimeout(10_000));
            page.getByLabel("Action").fill("team.created");
            page.getByLabel("Outcome").selectOption("success");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search")).click();
            page.waitForURL(url -> url.contains("action=team.created"), new Page.WaitForURLOptions().setTimeout(10_000));
            assertThat(page.locator("table.audit tbody tr").count()).isPositive();
            page.screenshot(new Page.ScreenshotOptions().setPath(TestBrowser.SCREENSHOTS.resolve("admin-audit.png")).setFullPage(true));
        }
    }
}
