package dev.latchkey.authz.admin;

import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.web.ProblemJsonErrors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** RFC 9457 problem+json for every admin API failure; messages name the field, never echo secrets. */
@RestControllerAdvice(assignableTypes = {AdminApiController.class, ScopeAdminController.class, KeyAdminController.class, AuditAdminController.class})
public class AdminApiErrors extends ProblemJsonErrors {

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail invalid(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid request", e.getMessage());
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class})
    ProblemDetail unreadable(Exception e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid request", "The request body or a parameter is malformed.");
    }

    @ExceptionHandler(AdminApiController.NotFoundException.class)
    ProblemDetail notFound(AdminApiController.NotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(AccountService.DuplicateException.class)
    ProblemDetail duplicate(AccountService.DuplicateException e) {
        return problem(HttpStatus.CONFLICT, "Conflict", e.getMessage());
    }
}
