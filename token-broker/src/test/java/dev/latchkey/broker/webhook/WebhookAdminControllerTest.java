package dev.latchkey.broker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.UUID;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The HTTP adapter only: status codes, bodies and problem+json over a real endpoint service and database. */
class WebhookAdminControllerTest extends WebhookStoreTest {

    private static final String PATH = "/admin/v1/broker/webhooks";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static MockMvc mvc;

    @BeforeAll
    static void start() {
        WebhookEndpoints endpoints = new WebhookEndpoints(db.node().dsl(), sealer, false);
        mvc = MockMvcBuilders.standaloneSetup(new WebhookAdminController(endpoints))
                .setControllerAdvice(new WebhookAdminErrors())
                .build();
    }

    @Test
    void whenCreatedThenCreatedWithLocationAndTheSecretOnceNeverCached() throws Exception {
        MvcResult result = mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON).content("""
                        {"url": "https://hooks.example.com/latchkey", "tenant": "acme",
                         "eventTypes": ["connection.needs_reauth"]}"""))
                .andExpect(status().isCreated())
                .andExpect(header().string("Cache-Control", "no-store"))
                .andExpect(jsonPath("$.url").value("https://hooks.example.com/latchkey"))
                .andExpect(jsonPath("$.tenant").value("acme"))
                .andExpect(jsonPath("$.eventTypes[0]").value("connection.needs_reauth"))
                .andExpect(jsonPath("$.secret").value(Matchers.startsWith("whsec_")))
                .andReturn();
        JsonNode body = JSON.readTree(result.getResponse().getContentAsString());

        assertThat(result.getResponse().getHeader("Location")).isEqualTo(PATH + "/" + body.get("id").asString());
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("id", "url", "tenant", "eventTypes", "secret");
    }

    @Test
    void whenListedThenEndpointsAreReturnedWithoutSecrets() throws Exception {
        String secret = create("https://hooks.example.com/a").get("secret").asString();

        String listing = mvc.perform(get(PATH))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[0].url").value("https://hooks.example.com/a"))
                .andExpect(jsonPath("$[0].tenant").doesNotExist())
                .andExpect(jsonPath("$[0].eventTypes").isEmpty())
                .andExpect(jsonPath("$[0].enabled").value(true))
                .andExpect(jsonPath("$[0].secret").doesNotExist())
                .andReturn().getResponse().getContentAsString();

        assertThat(listing).doesNotContain(secret).doesNotContain(secret.substring("whsec_".length()));
    }

    @Test
    void whenDeletedThenNoContentAndThenNotFoundAsProblemJson() throws Exception {
        String id = create("https://hooks.example.com/a").get("id").asString();

        mvc.perform(delete(PATH + "/" + id)).andExpect(status().isNoContent());
        mvc.perform(delete(PATH + "/" + id))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(404))
                .andExpect(jsonPath("$.title").value("Not found"));
        mvc.perform(get(PATH)).andExpect(jsonPath("$").isEmpty());
    }

    @Test
    void whenAnUnknownIdIsDeletedThenNotFound() throws Exception {
        mvc.perform(delete(PATH + "/" + UUID.randomUUID()))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void whenTheUrlIsInvalidThenBadRequestProblemJsonNamingTheFieldWithoutEchoingIt() throws Exception {
        String body = mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"url\": \"http://intranet.example.com/secret-path\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("url"))
                .andExpect(jsonPath("$.title").value("Invalid webhook endpoint"))
                .andReturn().getResponse().getContentAsString();

        assertThat(body).doesNotContain("secret-path");
        mvc.perform(get(PATH)).andExpect(jsonPath("$").isEmpty());
    }

    @Test
    void whenAnEventTypeIsUnknownThenBadRequestNamingEventTypes() throws Exception {
        mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"url\": \"https://hooks.example.com/a\", \"eventTypes\": [\"connection.gone\"]}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("eventTypes"));
    }

    @Test
    void whenTheBodyIsMalformedOrMissingThenBadRequestProblemJson() throws Exception {
        mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON).content("{\"url\": "))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void whenTheBodyIsNotJsonThenUnsupportedMediaTypeProblemJson() throws Exception {
        mvc.perform(post(PATH).contentType(MediaType.TEXT_PLAIN).content("url=https://hooks.example.com/a"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void whenTheIdIsNotAUuidThenBadRequestProblemJson() throws Exception {
        mvc.perform(delete(PATH + "/not-a-uuid"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    private static JsonNode create(String url) throws Exception {
        String body = mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"url\": \"" + url + "\"}"))
                .andExpect(status().isCreated())
                .andReturn().getResponse().getContentAsString();
        return JSON.readTree(body);
    }
}
