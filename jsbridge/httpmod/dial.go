package httpmod

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

var (
	awsMetadataV6 = netip.MustParseAddr("fd00:ec2::254")
	nat64Prefix   = netip.MustParsePrefix("64:ff9b::/96")
)

// checkIP refuses the addresses no script may reach.
func checkIP(ip netip.Addr, loopbackOK bool) error {
	ip = ip.WithZone("").Unmap()
	if nat64Prefix.Contains(ip) {
		b := ip.As16()
		if err := checkIP(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), loopbackOK); err != nil {
			return err
		}
	}
	switch {
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip == awsMetadataV6:
		return fmt.Errorf("%w: %s is link-local or a metadata address", ErrAddressBlocked, ip)
	case ip.IsUnspecified():
		return fmt.Errorf("%w: %s is the unspecified address", ErrAddressBlocked, ip)
	case ip.IsLoopback() && !loopbackOK:
		return fmt.Errorf("%w: %s is loopback and the allow-list does not name it with its port", ErrAddressBlocked, ip)
	}
	return nil
}

// lookupFunc resolves a host name to addresses.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// dialContext resolves the host itself, refuses blocked addresses before connecting,
// and checks the address again in the socket's Control hook just before connect.
func (c *Client) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	nhost := normalizeHost(host)
	loopbackOK := c.allow.loopbackAllowed(nhost, port)
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ips, err = c.lookup(ctx, host)
		if err != nil {
			return nil, err
		}
	}
	var allowed []netip.Addr
	var firstBlock error
	for _, ip := range ips {
		if err := checkIP(ip, loopbackOK); err != nil {
			if firstBlock == nil {
				firstBlock = err
			}
			continue
		}
		allowed = append(allowed, ip)
	}
	if len(allowed) == 0 {
		if firstBlock == nil {
			firstBlock = fmt.Errorf("no address for %s", host)
		}
		return nil, firstBlock
	}
	d := net.Dialer{
		Timeout:   c.opts.MaxTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot check dialled address %q", ErrAddressBlocked, address)
			}
			return checkIP(ap.Addr(), loopbackOK)
		},
	}
	var lastErr error
	for _, ip := range allowed {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		lastErr = err
		if errors.Is(err, ErrAddressBlocked) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}
