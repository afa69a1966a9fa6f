// Package httpmod owns the HTTP client behind the scripts' `require('http')`: a
// plain-Go client that only reaches hosts on the operator's allow-list (--http-allow).
//
// Rules, checked on every request and on every redirect hop (at most MaxRedirects):
//
//   - Only http and https URLs (ErrBadURL otherwise).
//   - The URL's host must match an allow-list entry (ErrHostNotAllowed). An entry is a
//     host name or IP literal, optionally with a port, or a wildcard "*.example.com"
//     that matches every subdomain (not example.com itself). An entry without a port
//     allows ports 80 and 443 only; name other ports explicitly ("api.example.com:8443").
//   - The address actually dialled is checked in the dialer, after name resolution, so
//     an allowed name that resolves to a forbidden address is still refused
//     (ErrAddressBlocked, which is also ErrHostNotAllowed): link-local and metadata
//     addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254, and the same behind
//     IPv4-mapped or NAT64 forms) always; the unspecified address always; loopback
//     unless the request's host:port is itself an explicit loopback entry of the
//     allow-list ("127.0.0.1:8080", "[::1]:8080" or "localhost:8080").
//   - Proxies from the environment are never used.
//   - Each request has a timeout (Options.DefaultTimeout, lowered per request, never
//     above Options.MaxTimeout) covering connect, headers and body (ErrTimeout).
//   - Request and response bodies are capped (ErrTooLarge); the response cap applies
//     to the decoded body, so a compressed bomb stops at the cap.
//
// Every error is an *Error{Op, URL, Err} whose Unwrap reaches the sentinel; URLs in
// errors and responses have their passwords redacted.
package httpmod
