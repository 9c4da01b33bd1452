package dev.latchkey.ui.developer;

import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/** Unknown ids, foreign apps and lost roles end on the ordinary error page with the right status, never a 500. */
// Before Spring Boot\'s global problem-details advice, which would answer type mismatches first.
@Order(Ordered.HIGHEST_PRECEDENCE)
@ControllerAdvice(assignableTypes = DeveloperPagesController.class)
public class DeveloperPageErrors {

    @ExceptionHandler({DeveloperPagesController.NotFoundException.class, MethodArgumentTypeMismatchException.class})
    ModelAndView notFound() {
        return new ModelAndView("error", Map.of("status", 404, "message", "There is no such app or token in your team."),
                HttpStatus.NOT_FOUND);
    }

    @ExceptionHandler(DeveloperPagesController.NotADeveloperException.class)
    ModelAndView forbidden() {
        return new ModelAndView("error", Map.of("status", 403, "message", "Your account does not have the developer role."),
                HttpStatus.FORBIDDEN);
    }
}
