package dev.latchkey.authz.web;

import dev.latchkey.authz.client.InvalidAppException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * The RFC 9457 problem+json answers every Latchkey REST API shares (admin and developer); each API's advice adds
 * its own resource errors. Messages name the field and never echo a secret.
 */
public abstract class ProblemJsonErrors {

    @ExceptionHandler(InvalidAppException.class)
    protected ProblemDetail invalidApp(InvalidAppException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Invalid app", e.getMessage());
        problem.setProperty("field", e.field());
        return problem;
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    protected ProblemDetail mediaType(Exception e) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", "Send application/json.");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    protected ProblemDetail method(Exception e) {
        return problem(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed", "This resource does not support that method.");
    }

    public static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        problem.setType(URI.create("about:blank"));
        return problem;
    }
}
