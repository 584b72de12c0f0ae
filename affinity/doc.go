// Package affinity finds a request's session value and the route it names,
// with the semantics of httpd's mod_proxy_balancer (find_session_route,
// get_path_param, get_cookie_param) and a few deliberate fixes, and keeps
// the bounded tables of sessions whose member is known otherwise (moved
// after a failover, or learned from a member's Set-Cookie).
//
// It works on the raw bytes of a request and allocates nothing per request:
// every value it returns is a sub-slice of its input, valid only as long as
// the input is.
//
// # The exact rule
//
// Given stickysession "COOKIE|PARAM" ("NAME" alone serves as both), a
// stickysessionsep (one character, default ".", or "off") and
// scolonpathdelim:
//
//  1. The URL first (Spec.FromURL), the raw request-target as received:
//     a path parameter ";PARAM=VALUE" in any path segment, then a query
//     parameter "PARAM=VALUE" right after the '?' or after a '&'. The first
//     one with a non-empty value wins. Names match whole and
//     case-sensitively: "xjsessionid=" and "JSESSIONID=" are not
//     "jsessionid=" (httpd matches any substring). Nothing is
//     percent-decoded: "%3Bjsessionid=" is not a path parameter and
//     "abc%2Enode1" has no separator.
//  2. A path parameter's value ends at the first '/', '&' or '#', or at the
//     end of the path (the '?'); a query parameter's value at the first
//     '?', '&' or '#'. With scolonpathdelim both also end at ';'. Without
//     it, as in httpd, ";jsessionid=abc.node1;v=2" has the value
//     "abc.node1;v=2" and so the route "node1;v=2". Unlike httpd (whose
//     2.4.62 and later no longer look at the query), the query form works.
//  3. Else the Cookie header(s), each in the order received
//     (Spec.FromCookie): the cookie named COOKIE, case-sensitively, at the
//     start of the header or right after ';', ',' or white space; then
//     optional white space, '=', and the value up to the first ';' or ',',
//     with surrounding white space trimmed. A value in double quotes
//     (RFC 6265 allows DQUOTE around a cookie-value) loses its quotes.
//     When the name repeats, the first non-empty value wins. An empty value
//     ("JSESSIONID=;" or "JSESSIONID=\"\"") counts as absent and the search
//     goes on; httpd instead stops there with no route, which strands a
//     session whenever a stale empty cookie of a more specific path is sent
//     first.
//  4. The route (Spec.Route) is what follows the FIRST separator:
//     "id.node1" → "node1", "id.node1.dc" → "node1.dc", Jetty's
//     "node0abc.node1" → "node1", WebLogic's "id!node1" with separator '!'.
//     No separator, or nothing after it ("abc."), means no route. With the
//     separator "off" the whole value is the route. The session id
//     (Spec.SessionID) is what precedes the first separator: the whole value
//     when there is none, or when the separator is off.
//  5. The route names the member whose configured route equals it exactly
//     (case-sensitive); that choice is the caller's.
package affinity
