package dev.latchkey.ui.connect;

import dev.latchkey.broker.connect.ConnectException;
import dev.latchkey.broker.connect.ConnectOutcome;
import dev.latchkey.broker.connect.ConnectPage;
import dev.latchkey.broker.connect.ConnectSessions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * The end user's side of the connect flow: the page a connect link opens, the step to the provider (or the API key
 * form), and the provider's callback. Every outcome ends on a page that says what happened, or on the service's
 * return URL with the outcome in its query; never on a stack trace.
 */
@Controller
public class ConnectPagesController {

    /** Binds the OAuth state to the browser that started the flow; sent back only to the callback path. */
    static final String BINDING_COOKIE = "lk_connect";

    private final ConnectSessions sessions;

    ConnectPagesController(ConnectSessions sessions) {
        this.sessions = sessions;
    }

    @GetMapping(ConnectSessions.PAGE_PATH + "{token}")
    String page(@PathVariable String token, Model model) {
        ConnectPage page = sessions.page(token);
        model.addAttribute("page", page);
        model.addAttribute("token", token);
        return "connect/connect";
    }

    @PostMapping(ConnectSessions.PAGE_PATH + "{token}")
    String begin(@PathVariable String token, HttpServletRequest request, HttpServletResponse response) {
        ConnectSessions.Begun begun = sessions.begin(token);
        ResponseCookie cookie = ResponseCookie.from(BINDING_COOKIE, begun.browserBinding())
                .path(ConnectSessions.CALLBACK_PATH).httpOnly(true).secure(request.isSecure())
                // Lax: the provider's redirect back is a top-level cross-site GET, which must carry it.
                .sameSite("Lax").maxAge(Duration.ofMinutes(30)).build();
        response.addHeader(HttpHeaders.SET_COOKIE, cookie.toString());
        return "redirect:" + begun.authorizeUrl();
    }

    @PostMapping(ConnectSessions.PAGE_PATH + "{token}/secret")
    String secret(@PathVariable String token, @RequestParam(required = false) String username,
            @RequestParam(required = false) String secret, Model model) {
        try {
            return outcome(sessions.submitSecret(token, username, secret), model);
        } catch (ConnectException e) {
            if (e.code() != ConnectException.Code.INVALID_REQUEST) {
                throw e;
            }
            model.addAttribute("page", sessions.page(token));
            model.addAttribute("token", token);
            model.addAttribute("formError", e.getMessage());
            return "connect/connect";
        }
    }

    @GetMapping(ConnectSessions.CALLBACK_PATH)
    String callback(@RequestParam Map<String, String> query,
            @CookieValue(name = BINDING_COOKIE, required = false) String binding, HttpServletResponse response,
            Model model) {
        ConnectOutcome outcome = sessions.callback(query, binding);
        response.addHeader(HttpHeaders.SET_COOKIE, ResponseCookie.from(BINDING_COOKIE, "")
                .path(ConnectSessions.CALLBACK_PATH).httpOnly(true).maxAge(0).build().toString());
        return outcome(outcome, model);
    }

    private static String outcome(ConnectOutcome outcome, Model model) {
        if (outcome.returnTo() != null) {
            return "redirect:" + outcome.returnTo();
        }
        model.addAttribute("outcome", outcome);
        model.addAttribute("error", outcome.error() == null ? null : outcome.error().name());
        return "connect/done";
    }

    @ExceptionHandler(ConnectException.class)
    @ResponseStatus(HttpStatus.BAD_REQUEST)
    String failed(ConnectException e, Model model) {
        model.addAttribute("outcome", null);
        model.addAttribute("error", e.code().name());
        return "connect/done";
    }
}
