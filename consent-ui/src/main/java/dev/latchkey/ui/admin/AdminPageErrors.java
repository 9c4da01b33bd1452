package dev.latchkey.ui.admin;

import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/** A malformed id on an admin page is a 404 page, never a 500. */
// Before Spring Boot\'s global problem-details advice, which would answer type mismatches first.
@Order(Ordered.HIGHEST_PRECEDENCE)
@ControllerAdvice(assignableTypes = AdminPagesController.class)
public class AdminPageErrors {

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ModelAndView notFound() {
        return new ModelAndView("error", Map.of("status", 404, "message", "There is no such app."), HttpStatus.NOT_FOUND);
    }
}
