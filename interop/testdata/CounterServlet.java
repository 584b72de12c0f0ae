package interop;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The smallest app that shows whether a session survived: every request
 * counts in its session and answers which node served it.
 *
 *   GET  {context}/counter   {"node":"node1","session":"…","count":N,"posted":0,"link":"…"}
 *   POST {context}/counter   the same; the body's length is added to "posted"
 *   GET  {context}/logout    ends the session and deletes its cookie
 *   GET  {context}/health    200 without touching any session
 *
 * "link" is the counter's URL as the app would put it in a page
 * (encodeURL: with ";jsessionid=" for a client that sent no cookie), so a
 * test can follow links as a browser without cookies does.
 *
 * The same source serves Tomcat 10 (jakarta.servlet) and, with its imports
 * rewritten, Jetty 9.4 (javax.servlet).
 */
public class CounterServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final String node = System.getProperty("interop.node", "unknown");

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        resp.setContentType("application/json");
        switch (path) {
        case "/health":
            resp.getWriter().print("{\"node\":\"" + node + "\"}");
            return;
        case "/logout":
            HttpSession old = req.getSession(false);
            if (old != null) {
                old.invalidate();
            }
            // Servlet containers do not delete the cookie of an invalidated
            // session by themselves; apps (Spring Security's logout among
            // them) do, and the balancer forgets the session when they do.
            Cookie gone = new Cookie("JSESSIONID", "");
            gone.setMaxAge(0);
            gone.setPath(req.getContextPath().isEmpty() ? "/" : req.getContextPath());
            resp.addCookie(gone);
            resp.getWriter().print("{\"node\":\"" + node + "\",\"count\":0}");
            return;
        case "/counter":
            break;
        default:
            resp.sendError(404);
            return;
        }
        long posted = 0;
        if ("POST".equals(req.getMethod())) {
            byte[] buf = new byte[8192];
            try (InputStream in = req.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    posted += n;
                }
            }
        }
        HttpSession s = req.getSession(true);
        Integer count = (Integer) s.getAttribute("count");
        int n = count == null ? 1 : count + 1;
        s.setAttribute("count", n);
        Long total = (Long) s.getAttribute("posted");
        long p = (total == null ? 0 : total) + posted;
        s.setAttribute("posted", p);
        resp.getWriter().print("{\"node\":\"" + node + "\",\"session\":\"" + s.getId()
                + "\",\"count\":" + n + ",\"posted\":" + p
                + ",\"link\":\"" + resp.encodeURL(req.getContextPath() + "/counter") + "\"}");
    }
}
