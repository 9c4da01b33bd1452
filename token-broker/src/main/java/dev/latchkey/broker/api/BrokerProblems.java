package dev.latchkey.broker.api;

import dev.latchkey.broker.connect.ConnectException;
import dev.latchkey.broker.token.BrokerException;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * RFC 9457 problem+json for the broker's API. Problem types are stable URIs a caller can switch on:
 * {@code needs_reauth} means "send the end user through a connect session again", {@code unavailable} carries
 * {@code Retry-After}.
 */
@RestControllerAdvice(assignableTypes = {BrokerApiController.class, BrokerAdminController.class})
class BrokerProblems {

    static final String TYPE_BASE = "https://latchkey.dev/problems/broker/";

    @ExceptionHandler(BrokerException.class)
    ResponseEntity<ProblemDetail> broker(BrokerException e) {
        HttpStatus status = statusOf(e);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
        if (e.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(e));
        }
        return response.body(problem(status, e.reason().name().toLowerCase(java.util.Locale.ROOT), e.getMessage(), null));
    }

    static HttpStatus statusOf(BrokerException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case NEEDS_REAUTH -> HttpStatus.CONFLICT;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case INVALID_REQUEST -> HttpStatus.BAD_REQUEST;
        };
    }

    static String retryAfterSeconds(BrokerException e) {
        return Long.toString(Math.max(1, e.retryAfter().toSeconds()));
    }

    @ExceptionHandler(ConnectException.class)
    ResponseEntity<ProblemDetail> connect(ConnectException e) {
        HttpStatus status = e.code() == ConnectException.Code.INVALID_SESSION ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST;
        return ResponseEntity.status(status).body(problem(status,
                e.code().name().toLowerCase(java.util.Locale.ROOT), e.getMessage(), e.field()));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<ProblemDetail> invalid(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "invalid_request", e.getMessage(), null));
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class})
    ResponseEntity<ProblemDetail> unreadable(Exception e) {
        String detail = e instanceof MethodArgumentTypeMismatchException mismatch
                ? "parameter '" + mismatch.getName() + "' is malformed" : "the request body is not valid JSON for this operation";
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "invalid_request", detail, null));
    }

    static ProblemDetail problem(HttpStatus status, String type, String detail, String field) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + type));
        problem.setTitle(status.getReasonPhrase());
        if (field != null) {
            problem.setProperty("field", field);
        }
        return problem;
    }
}
