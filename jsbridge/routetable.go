package jsbridge

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/rs/zerolog"
)

// RouteTableFile is the name of the route table in the scripts directory.
const RouteTableFile = "routes.toml"

// ErrRouteTable is wrapped by every problem with the route table file.
var ErrRouteTable = errors.New("bad route table")

// RouteTable is the parsed routes.toml: the routes Class 4 calls are matched
// against (longest dialled-number prefix wins) and the variables every route gets.
type RouteTable struct {
	// Vars are given to every call, under the route's own (which win).
	Vars   map[string]any `toml:"vars"`
	Routes []Route        `toml:"route"`
}

// Route is one [[route]] of the table.
type Route struct {
	// Prefix of the dialled number this route serves ("" matches every number).
	Prefix string `toml:"prefix"`
	// Account, if set, limits the route to calls whose account_id is this.
	Account  string         `toml:"account"`
	Vars     map[string]any `toml:"vars"`
	Gateways []Gateway      `toml:"gateway"`
}

// Gateway is one egress of a route, in order of preference.
type Gateway struct {
	Name string `toml:"name"`
	// Dial is the dial string; "{dest}" is replaced by the dialled number
	// (default "sofia/gateway/<name>/{dest}").
	Dial string `toml:"dial"`
	// CLI is the caller id presented on this gateway (default: the caller's).
	CLI string `toml:"cli"`
	// Headers become SIP headers on the outgoing leg (X-... names).
	Headers map[string]string `toml:"headers"`
}

// reservedVars are data fields a route variable may not replace.
var reservedVars = map[string]bool{
	"routing": true, "uuid": true, "callerIdNumber": true, "callerIdName": true, "destinationNumber": true,
	"direction": true, "context": true, "vars": true,
}

var (
	gatewayName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	sipHeaderName = regexp.MustCompile(`^X-[A-Za-z0-9-]{1,64}$`)
	prefixChars   = regexp.MustCompile(`^[0-9A-Za-z*#+]{0,32}$`)
)

// ParseRouteTable parses and checks a route table.
func ParseRouteTable(src []byte) (*RouteTable, error) {
	var t RouteTable
	md, err := toml.Decode(string(src), &t)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRouteTable, err)
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		// Everything under a vars table is the operator's own (decoded as any).
		if (len(k) > 0 && k[0] == "vars") || (len(k) > 1 && k[0] == "route" && k[1] == "vars") {
			continue
		}
		unknown = append(unknown, k.String())
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: unknown keys %s", ErrRouteTable, strings.Join(unknown, ", "))
	}
	if err := checkVars("[vars]", t.Vars); err != nil {
		return nil, err
	}
	for i, r := range t.Routes {
		where := fmt.Sprintf("route %d (prefix %q)", i+1, r.Prefix)
		if !prefixChars.MatchString(r.Prefix) {
			return nil, fmt.Errorf("%w: %s: prefix must be up to 32 digits or letters", ErrRouteTable, where)
		}
		if err := checkVars(where, r.Vars); err != nil {
			return nil, err
		}
		for j, g := range r.Gateways {
			gw := fmt.Sprintf("%s gateway %d", where, j+1)
			if !gatewayName.MatchString(g.Name) {
				return nil, fmt.Errorf("%w: %s: name %q must be 1-64 letters, digits, '.', '_' or '-'", ErrRouteTable, gw, g.Name)
			}
			if g.Dial != "" {
				if err := checkDialString(strings.ReplaceAll(g.Dial, "{dest}", "0")); err != nil {
					return nil, fmt.Errorf("%w: %s: %w", ErrRouteTable, gw, err)
				}
			}
			if err := checkDialValue("cli", g.CLI); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrRouteTable, gw, err)
			}
			for k, v := range g.Headers {
				if err := checkHeader(k, v); err != nil {
					return nil, fmt.Errorf("%w: %s: %w", ErrRouteTable, gw, err)
				}
			}
		}
	}
	return &t, nil
}

func checkVars(where string, vars map[string]any) error {
	for k := range vars {
		if reservedVars[k] {
			return fmt.Errorf("%w: %s: variable %q would replace a call data field", ErrRouteTable, where, k)
		}
	}
	return nil
}

// Match returns the route for a dialled number and account: the longest prefix
// wins; at equal length a route naming the account beats one that does not, then
// the first in the file. nil when no route matches.
func (t *RouteTable) Match(dest, account string) *Route {
	var best *Route
	for i := range t.Routes {
		r := &t.Routes[i]
		if !strings.HasPrefix(dest, r.Prefix) || (r.Account != "" && r.Account != account) {
			continue
		}
		if best == nil || len(r.Prefix) > len(best.Prefix) ||
			(len(r.Prefix) == len(best.Prefix) && r.Account != "" && best.Account == "") {
			best = r
		}
	}
	return best
}

// Egress builds the routing.egress_routing entries of the route for dest.
func (r *Route) egress(dest, cli string) []egressEntry {
	out := make([]egressEntry, 0, len(r.Gateways))
	for _, g := range r.Gateways {
		dial := g.Dial
		if dial == "" {
			dial = "sofia/gateway/" + g.Name + "/{dest}"
		}
		gcli := g.CLI
		if gcli == "" {
			gcli = cli
		}
		names := make([]string, 0, len(g.Headers))
		for k := range g.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		headers := make([]egressHeader, 0, len(names))
		for _, k := range names {
			headers = append(headers, egressHeader{Key: k, Value: flexString(g.Headers[k])})
		}
		out = append(out, egressEntry{
			GW:      map[string]egressGateway{g.Name: {CLI: flexString(gcli), Dial: flexString(strings.ReplaceAll(dial, "{dest}", dest))}},
			Headers: headers,
		})
	}
	return out
}

// routeTableCache holds the route table of one scripts directory, re-read when
// the file's size or modification time changes (checked at most every checkEvery).
type routeTableCache struct {
	path       string
	checkEvery time.Duration

	mu      sync.Mutex
	checked time.Time
	modTime time.Time
	size    int64
	present bool
	table   *RouteTable // last good table; nil when none
	err     error       // why the current file is not served (nil when it is)
}

// get returns the current table and whether a route table file exists. A file
// that stops parsing keeps its last good table (the problem is logged once); the
// error is returned only when the file exists and no version of it ever parsed.
func (c *routeTableCache) get(now time.Time, log *zerolog.Logger) (*RouteTable, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checked.IsZero() && now.Sub(c.checked) < c.checkEvery {
		return c.result()
	}
	c.checked = now
	st, err := os.Stat(c.path)
	if errors.Is(err, os.ErrNotExist) {
		if c.present {
			log.Info().Str("file", c.path).Msg("route table removed: calls go to the dial template")
		}
		c.present, c.table, c.err, c.modTime, c.size = false, nil, nil, time.Time{}, 0
		return nil, false, nil
	}
	if err != nil {
		if c.err == nil {
			log.Error().Err(err).Str("file", c.path).Msg("route table cannot be read: keeping the last good one")
		}
		c.err = fmt.Errorf("%w: %w", ErrRouteTable, err)
		return c.result()
	}
	if c.present && st.ModTime().Equal(c.modTime) && st.Size() == c.size {
		return c.result()
	}
	c.present, c.modTime, c.size = true, st.ModTime(), st.Size()
	src, err := os.ReadFile(c.path)
	if err == nil {
		var t *RouteTable
		if t, err = ParseRouteTable(src); err == nil {
			c.table, c.err = t, nil
			log.Info().Str("file", c.path).Int("routes", len(t.Routes)).Msg("route table loaded")
			return c.result()
		}
	}
	c.err = fmt.Errorf("%s: %w", RouteTableFile, err)
	log.Error().Err(err).Str("file", c.path).Bool("keeps_last_good", c.table != nil).Msg("route table does not load")
	return c.result()
}

func (c *routeTableCache) result() (*RouteTable, bool, error) {
	if !c.present {
		return nil, false, nil
	}
	if c.table == nil {
		return nil, true, c.err
	}
	return c.table, true, nil
}
