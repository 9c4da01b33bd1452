package dev.latchkey.broker.webhook;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * RFC 9457 problem+json for the webhook admin API, in the style of the other admin APIs: invalid input names the
 * field and never echoes the value.
 */
@RestControllerAdvice(assignableTypes = WebhookAdminController.class)
public class WebhookAdminErrors {

    @ExceptionHandler(InvalidWebhookEndpointException.class)
    ProblemDetail invalid(InvalidWebhookEndpointException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Invalid webhook endpoint", e.getMessage());
        problem.setProperty("field", e.field());
        return problem;
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class})
    ProblemDetail unreadable(Exception e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid request", "The request body or a parameter is malformed.");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ProblemDetail mediaType(Exception e) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", "Send application/json.");
    }

    @ExceptionHandler(WebhookAdminController.NotFoundException.class)
    ProblemDetail notFound(WebhookAdminController.NotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        problem.setType(URI.create("about:blank"));
        return problem;
    }
}
