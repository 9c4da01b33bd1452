package dev.latchkey.authz.developer;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import dev.latchkey.authz.web.ProblemJsonErrors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** RFC 9457 problem+json for every developer API failure; invalid input names the field, never echoes a secret. */
// Before Spring Boot\'s global problem-details advice, which would answer type mismatches first.
@Order(Ordered.HIGHEST_PRECEDENCE)
@RestControllerAdvice(assignableTypes = DeveloperApiController.class)
public class DeveloperApiErrors extends ProblemJsonErrors {

    @ExceptionHandler(DeveloperTokens.InvalidTokenRequestException.class)
    ProblemDetail invalidToken(DeveloperTokens.InvalidTokenRequestException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Invalid request", e.getMessage());
        problem.setProperty("field", e.field());
        return problem;
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class,
            IllegalArgumentException.class, ArithmeticException.class})
    ProblemDetail unreadable(Exception e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid request", "The request body or a parameter is malformed.");
    }

    @ExceptionHandler(DeveloperApiController.NotFoundException.class)
    ProblemDetail notFound(DeveloperApiController.NotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(DeveloperApiController.NotADeveloperException.class)
    ProblemDetail forbidden(DeveloperApiController.NotADeveloperException e) {
        return problem(HttpStatus.FORBIDDEN, "Forbidden", e.getMessage());
    }
}
