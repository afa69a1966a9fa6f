package httpmod

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
)

func TestAllowListMatching(t *testing.T) {
	t.Parallel()
	c, err := New(Options{Allow: []string{"API.Example.com", "*.svc.example.org", "hooks.example.net:8443", "10.0.0.5:8080", "[2001:db8::1]:9000"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url  string
		want bool
	}{
		{"https://api.example.com/x", true},
		{"http://api.example.com/x", true},
		{"https://API.EXAMPLE.COM./x", true},
		{"https://api.example.com:443/x", true},
		{"https://api.example.com:8443/x", false}, // no port in the entry: 80 and 443 only
		{"https://evil-api.example.com/x", false},
		{"https://api.example.com.evil.net/x", false},
		{"https://a.svc.example.org/", true},
		{"https://a.b.svc.example.org/", true},
		{"https://svc.example.org/", false}, // the wildcard does not cover the apex
		{"https://xsvc.example.org/", false},
		{"https://hooks.example.net:8443/", true},
		{"https://hooks.example.net/", false},
		{"http://10.0.0.5:8080/", true},
		{"http://10.0.0.5/", false},
		{"http://[2001:db8::1]:9000/", true},
		{"http://[2001:db8:0:0::1]:9000/", true},
		{"http://[::ffff:10.0.0.5]:8080/", true},
	}
	for _, tc := range cases {
		err := c.checkParsed(mustURL(t, tc.url))
		if got := err == nil; got != tc.want {
			t.Errorf("%s allowed=%v (%v); want %v", tc.url, got, err, tc.want)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCheckIP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ip         string
		loopbackOK bool
		blocked    bool
	}{
		{"169.254.169.254", true, true},
		{"169.254.0.1", false, true},
		{"fe80::1", true, true},
		{"febf::1", true, true},
		{"fd00:ec2::254", true, true},
		{"::ffff:169.254.169.254", true, true},
		{"64:ff9b::a9fe:a9fe", true, true}, // NAT64 form of 169.254.169.254
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"127.0.0.1", false, true},
		{"127.0.0.1", true, false},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.1.2.3", false, false},
		{"93.184.216.34", false, false},
		{"2606:4700::1111", false, false},
	}
	for _, tc := range cases {
		err := checkIP(netip.MustParseAddr(tc.ip), tc.loopbackOK)
		if got := err != nil; got != tc.blocked {
			t.Errorf("checkIP(%s, loopbackOK=%v) blocked=%v (%v); want %v", tc.ip, tc.loopbackOK, got, err, tc.blocked)
		}
		if err != nil && !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("checkIP(%s) error %v does not wrap ErrHostNotAllowed", tc.ip, err)
		}
	}
}

// An allowed name that resolves to a forbidden address is refused at dial time.
func TestAllowedNameResolvingToBlockedAddress(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the server was reached: %s", r.URL)
	}))
	t.Cleanup(srv.Close)
	port := mustURL(t, srv.URL).Port()
	cases := []struct {
		name string
		ips  []string
	}{
		{"metadata", []string{"169.254.169.254"}},
		{"loopback behind a name", []string{"127.0.0.1"}},
		{"every address blocked", []string{"169.254.169.254", "127.0.0.1", "fe80::1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Options{Allow: []string{"api.example.test:" + port}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			c.lookup = func(context.Context, string) ([]netip.Addr, error) {
				var out []netip.Addr
				for _, s := range tc.ips {
					out = append(out, netip.MustParseAddr(s))
				}
				return out, nil
			}
			_, err = c.Do(context.Background(), Request{URL: "http://api.example.test:" + port + "/"})
			if !errors.Is(err, ErrAddressBlocked) {
				t.Fatalf("Do: %v; want ErrAddressBlocked", err)
			}
		})
	}
}

func TestNoProxyFromEnvironment(t *testing.T) {
	t.Parallel()
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.own == nil || c.own.Proxy != nil {
		t.Fatal("the client's transport may use a proxy")
	}
}
