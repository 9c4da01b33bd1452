package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.yaml.snakeyaml.Yaml;

/** The served OpenAPI description matches the REST controllers exactly: every operation documented, none invented. */
class OpenApiTest {

    @Test
    void whenOpenApiIsServedThenEveryControllerOperationIsDocumentedAndNoneIsInvented() throws Exception {
        HttpResponse<String> response = Http.api().get("/openapi.yaml");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/yaml");
        Map<String, Object> document = new Yaml().load(response.body());
        assertThat(document.get("openapi")).isEqualTo("3.1.0");

        Set<String> documented = new TreeSet<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
        paths.forEach((path, item) -> item.keySet().stream()
                .filter(key -> Set.of("get", "put", "post", "delete", "patch").contains(key))
                .forEach(method -> documented.add(method.toUpperCase() + " " + path)));

        assertThat(documented).isEqualTo(implemented());
        assertThat(implemented()).as("the scan finds the controllers")
                .contains("POST /admin/v1/scopes", "POST /developer/v1/apps/{id}/secret", "POST /connect/register",
                        "GET /admin/v1/keys");
    }

    /** "METHOD /path" for every handler method of every @RestController under dev.latchkey. */
    static Set<String> implemented() throws ClassNotFoundException {
        var scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(RestController.class));
        Set<String> operations = new TreeSet<>();
        for (var candidate : scanner.findCandidateComponents("dev.latchkey")) {
            Class<?> controller = Class.forName(candidate.getBeanClassName());
            RequestMapping base = AnnotatedElementUtils.findMergedAnnotation(controller, RequestMapping.class);
            String[] prefixes = base == null || base.path().length == 0 ? new String[] {""} : base.path();
            for (Method method : controller.getDeclaredMethods()) {
                RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
                if (mapping == null) {
                    continue;
                }
                String[] suffixes = mapping.path().length == 0 ? new String[] {""} : mapping.path();
                for (String prefix : prefixes) {
                    for (String suffix : suffixes) {
                        for (RequestMethod verb : mapping.method()) {
                            operations.add(verb.name() + " " + prefix + suffix);
                        }
                    }
                }
            }
        }
        return operations;
    }
}
