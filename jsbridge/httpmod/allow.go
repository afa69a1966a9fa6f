package httpmod

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// allowEntry is one parsed allow-list entry.
type allowEntry struct {
	host     string // lower case, no trailing dot; IP literals in netip's form; for wildcards the suffix without "*."
	wildcard bool
	port     string // "" = ports 80 and 443
	loopback bool   // an explicit loopback entry with a port: loopback may be dialled for it
}

// parseAllow parses one --http-allow entry.
func parseAllow(raw string) (allowEntry, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return allowEntry{}, fmt.Errorf("%w: empty allow-list entry", ErrBadOptions)
	}
	if strings.Contains(s, "/") || strings.Contains(s, "@") {
		return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: want host or host:port, not a URL", ErrBadOptions, raw)
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: %w", ErrBadOptions, raw, err)
		}
		host, port = h, p
		if port == "" {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: empty port", ErrBadOptions, raw)
		}
	case strings.Count(s, ":") == 1:
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: %w", ErrBadOptions, raw, err)
		}
		host, port = h, p
		if port == "" {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: empty port", ErrBadOptions, raw)
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: bad port", ErrBadOptions, raw)
		}
	}
	e := allowEntry{port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		if !validHostName(rest) || !strings.Contains(rest, ".") {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: a wildcard needs a domain with a dot, like *.example.com", ErrBadOptions, raw)
		}
		e.host, e.wildcard = strings.TrimSuffix(rest, "."), true
		return e, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: zoned addresses are not allowed", ErrBadOptions, raw)
		}
		ip = ip.Unmap()
		e.host = ip.String()
		e.loopback = port != "" && ip.IsLoopback()
		return e, nil
	}
	if !validHostName(host) {
		return allowEntry{}, fmt.Errorf("%w: allow-list entry %q: not a host name, IP or *.domain", ErrBadOptions, raw)
	}
	e.host = strings.TrimSuffix(host, ".")
	e.loopback = port != "" && e.host == "localhost"
	return e, nil
}

// validHostName accepts DNS-style names: labels of letters, digits, '-' and '_',
// 1..63 characters, at most 253 in all, an optional trailing dot.
func validHostName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// normalizeHost puts a request's host in the form entries use.
func normalizeHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String()
	}
	return h
}

func (e allowEntry) matches(host, port string) bool {
	if e.port == "" {
		if port != "80" && port != "443" {
			return false
		}
	} else if e.port != port {
		return false
	}
	if e.wildcard {
		return strings.HasSuffix(host, "."+e.host)
	}
	return host == e.host
}

type allowList []allowEntry

// allows tells whether host:port (normalized host, explicit port) may be requested.
func (l allowList) allows(host, port string) bool {
	for _, e := range l {
		if e.matches(host, port) {
			return true
		}
	}
	return false
}

// loopbackAllowed tells whether host:port is an explicit loopback entry.
func (l allowList) loopbackAllowed(host, port string) bool {
	for _, e := range l {
		if e.loopback && e.host == host && e.port == port {
			return true
		}
	}
	return false
}
