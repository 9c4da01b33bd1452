package dev.latchkey.ui;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.session.SessionAuthenticationStrategy;

/**
 * At most {@code maxPerAccount} signed-in sessions per account on this node: a sign-in beyond that invalidates the
 * account's oldest session. Anonymous requests allocate no session at all; without this bound, anyone holding one
 * valid password (a self-registered developer, say) could fill the heap by signing in over and over, each session
 * living until it idles out. Per node, like the sessions themselves.
 */
public final class SessionCap implements SessionAuthenticationStrategy, HttpSessionListener {

    private static final String OWNER = SessionCap.class.getName() + ".owner";

    private final int maxPerAccount;
    private final ConcurrentHashMap<String, ArrayDeque<HttpSession>> byAccount = new ConcurrentHashMap<>();

    public SessionCap(int maxPerAccount) {
        if (maxPerAccount < 1) {
            throw new IllegalArgumentException("latchkey.sessions.max-per-account must be at least 1");
        }
        this.maxPerAccount = maxPerAccount;
    }

    @Override
    public void onAuthentication(Authentication authentication, HttpServletRequest request,
            HttpServletResponse response) {
        HttpSession session = request.getSession();
        String account = authentication.getName();
        if (session.getAttribute(OWNER) instanceof String previous && !previous.equals(account)) {
            forget(previous, session); // another account signed in in this browser before
        }
        List<HttpSession> evicted = new ArrayList<>();
        byAccount.compute(account, (name, sessions) -> {
            ArrayDeque<HttpSession> live = sessions == null ? new ArrayDeque<>() : sessions;
            live.remove(session);
            live.addLast(session);
            while (live.size() > maxPerAccount) {
                evicted.add(live.removeFirst());
            }
            return live;
        });
        session.setAttribute(OWNER, account);
        for (HttpSession oldest : evicted) {
            try {
                oldest.invalidate();
            } catch (IllegalStateException alreadyInvalidated) {
                // It ended on its own meanwhile; sessionDestroyed has nothing left to forget.
            }
        }
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        HttpSession session = event.getSession();
        if (session.getAttribute(OWNER) instanceof String account) {
            forget(account, session);
        }
    }

    private void forget(String account, HttpSession session) {
        byAccount.computeIfPresent(account, (name, sessions) -> {
            sessions.remove(session);
            return sessions.isEmpty() ? null : sessions;
        });
    }
}
