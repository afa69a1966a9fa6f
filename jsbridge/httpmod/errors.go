package httpmod

import (
	"errors"
	"fmt"
)

var (
	// ErrHostNotAllowed: the host (of the request or of a redirect) is not on the
	// allow-list, or the address it resolves to is blocked.
	ErrHostNotAllowed = errors.New("http: host not allowed")
	// ErrAddressBlocked: the dialled address is link-local, metadata, unspecified, or
	// loopback not named explicitly on the allow-list. It wraps ErrHostNotAllowed.
	ErrAddressBlocked = fmt.Errorf("%w: address blocked", ErrHostNotAllowed)
	// ErrTooLarge: a request or response body over its cap.
	ErrTooLarge = errors.New("http: body too large")
	// ErrTimeout: the request did not finish within its timeout.
	ErrTimeout = errors.New("http: timeout")
	// ErrBadURL: a URL that does not parse, or whose scheme is not http/https.
	ErrBadURL = errors.New("http: bad url")
	// ErrBadRequest: a bad method, header or timeout.
	ErrBadRequest = errors.New("http: bad request")
	// ErrTooManyRedirects: more than MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("http: too many redirects")
	// ErrBadOptions: an Options value New cannot use (bad allow-list entry, bad limits).
	ErrBadOptions = errors.New("http: bad options")
)

// Error says which step of which request failed. Op is one of "options", "url",
// "allow", "request", "dial", "redirect", "read".
type Error struct {
	Op  string
	URL string // redacted
	Err error
}

func (e *Error) Error() string {
	if e.URL == "" {
		return "http " + e.Op + ": " + e.Err.Error()
	}
	return "http " + e.Op + " " + e.URL + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
