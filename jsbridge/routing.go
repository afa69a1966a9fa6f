package jsbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice"
)

// Class 4 routing (script-types.md §2): when the channel variable route_script
// names a script, the call is a routing decision. The engine builds data (the
// voice data plus data.routing and the route's variables), runs main(data) as a
// job, and carries the decision out: a rejection becomes a SIP final response
// (respond), anything else is bridged to routing.egress_routing in order, failing
// over on the causes of FailoverCauses.

// ErrBadDecision is wrapped when a routing script returns something that cannot
// be carried out (a dial string, caller id or header that is not allowed).
var ErrBadDecision = errors.New("routing decision cannot be carried out")

// RoutingConfig configures Class 4 routing.
type RoutingConfig struct {
	// Budget bounds one routing script run (default DefaultJobBudget).
	Budget time.Duration
	// Server is data.routing.server (default: the host name).
	Server string
	// RouteTable is the route table file (default routes.toml in the scripts directory).
	RouteTable string
	// TableCheckEvery is how often the route table file is stat'ed for changes
	// (default 1s).
	TableCheckEvery time.Duration
}

// FailoverCauses are the bridge failure causes on which the next gateway of
// egress_routing is tried: the gateway or the network failed, not the callee.
// Any other cause (USER_BUSY, NO_ANSWER, ORIGINATOR_CANCEL, UNALLOCATED_NUMBER,
// INVALID_NUMBER_FORMAT ...) is the callee's answer and ends the call with it.
var FailoverCauses = []string{
	"NORMAL_TEMPORARY_FAILURE", "DESTINATION_OUT_OF_ORDER", "NETWORK_OUT_OF_ORDER", "SWITCH_CONGESTION",
	"RECOVERY_ON_TIMER_EXPIRE", "NO_ROUTE_DESTINATION", "NO_ROUTE_TRANSIT_NET", "GATEWAY_DOWN", "INVALID_GATEWAY",
	"CALL_REJECTED", "SERVICE_UNAVAILABLE", "BEARERCAPABILITY_NOTAVAIL", "INCOMPATIBLE_DESTINATION",
	"NO_USER_RESPONSE", "PROGRESS_TIMEOUT", "CHAN_NOT_IMPLEMENTED", "FACILITY_NOT_SUBSCRIBED",
	"OUTGOING_CALL_BARRED", "EXCHANGE_ROUTING_ERROR", "MEDIA_TIMEOUT",
}

var failover = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range FailoverCauses {
		m[c] = true
	}
	return m
}()

// maxEgress bounds the gateways one call may try.
const maxEgress = 32

// router is the routing state of one engine.
type router struct {
	cfg   RoutingConfig
	table *routeTableCache
}

// ConfigureRouting sets how the engine routes Class 4 calls. Call it before the
// engine serves calls; without it the defaults of RoutingConfig apply.
func (e *Engine) ConfigureRouting(cfg RoutingConfig) {
	e.routing.Store(newRouter(e, cfg))
}

func newRouter(e *Engine, cfg RoutingConfig) *router {
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultJobBudget
	}
	if cfg.Server == "" {
		cfg.Server, _ = os.Hostname()
	}
	if cfg.RouteTable == "" {
		cfg.RouteTable = filepath.Join(e.cfg.Scripts.Dir(), RouteTableFile)
	}
	if cfg.TableCheckEvery <= 0 {
		cfg.TableCheckEvery = time.Second
	}
	return &router{cfg: cfg, table: &routeTableCache{path: cfg.RouteTable, checkEvery: cfg.TableCheckEvery}}
}

func (e *Engine) router() *router {
	if r := e.routing.Load(); r != nil {
		return r
	}
	e.routing.CompareAndSwap(nil, newRouter(e, RoutingConfig{}))
	return e.routing.Load()
}

// routingOnly keeps {routing} of the data a routing script returned: the decision
// reads nothing else. A value without routing is returned as it is, to be reported.
func routingOnly(vm *goja.Runtime, v goja.Value) goja.Value {
	o, ok := v.(*goja.Object)
	if !ok {
		return v
	}
	rt := o.Get("routing")
	if rt == nil || goja.IsUndefined(rt) {
		return v
	}
	p := vm.NewObject()
	_ = p.Set("routing", rt)
	return p
}

// flexString is a JSON string that scripts may also write as a number.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", clipBytes(b))
	}
	*f = flexString(n.String())
	return nil
}

type egressGateway struct {
	CLI  flexString `json:"cli"`
	Dial flexString `json:"dial"`
}

type egressHeader struct {
	Key   string     `json:"key"`
	Value flexString `json:"value"`
}

type egressEntry struct {
	GW      map[string]egressGateway `json:"gw"`
	Headers []egressHeader           `json:"headers"`
}

// routingData is data.routing.
type routingData struct {
	DestNumber flexString    `json:"dest_number"`
	CLI        flexString    `json:"cli"`
	AccountID  string        `json:"account_id"`
	Server     string        `json:"server"`
	SrcIP      string        `json:"src_ip"`
	Egress     []egressEntry `json:"egress_routing"`
}

// attempt is one gateway to bridge to, checked and ready.
type attempt struct {
	gateway string
	dial    string // the whole bridge argument
}

// serveRoute runs the routing script name on call and carries out its decision.
func (e *Engine) serveRoute(ctx context.Context, call *voice.Call, name string) {
	rt := e.router()
	log := call.Logger().With().Str("route_script", name).Logger()
	began := time.Now()
	sc, err := e.cfg.Scripts.Get(name)
	if err != nil {
		kind := "compile"
		if errors.Is(err, script.ErrNotFound) || errors.Is(err, script.ErrInvalidName) {
			kind = "not-found"
		}
		e.cfg.Observer.ScriptError(name, kind)
		e.cfg.Observer.RunEnded(name, OutcomeFailed, 0)
		log.Error().Err(err).Msg("routing script cannot run: 500")
		e.reject(call, &log, 500, "")
		return
	}
	log = log.With().Str("version", sc.Version).Logger()
	ev := call.Data()
	orig := routingData{
		DestNumber: flexString(ev.Get("Caller-Destination-Number")),
		CLI:        flexString(ev.Get("Caller-Caller-ID-Number")),
		AccountID:  "default",
		Server:     rt.cfg.Server,
		SrcIP:      ev.Get("variable_sip_network_ip"),
	}
	if a, _ := call.Var("account_id"); a != "" {
		orig.AccountID = a
	}
	if orig.SrcIP == "" {
		orig.SrcIP = ev.Get("Caller-Network-Addr")
	}
	table, present, terr := rt.table.get(time.Now(), &log)
	if terr != nil {
		log.Error().Err(terr).Msg("route table cannot be used: 500")
		e.reject(call, &log, 500, "")
		return
	}
	vars := map[string]any{}
	dest := string(orig.DestNumber)
	switch {
	case !present:
		dial := strings.ReplaceAll(e.cfg.DialTemplate, "{dest}", dest)
		orig.Egress = []egressEntry{{GW: map[string]egressGateway{"default": {CLI: orig.CLI, Dial: flexString(dial)}},
			Headers: []egressHeader{}}}
	default:
		for k, v := range table.Vars {
			vars[k] = v
		}
		orig.Egress = []egressEntry{}
		if r := table.Match(dest, orig.AccountID); r != nil {
			for k, v := range r.Vars {
				vars[k] = v
			}
			orig.Egress = r.egress(dest, string(orig.CLI))
			log = log.With().Str("route", r.Prefix).Logger()
		}
	}
	routingJSON, err := json.Marshal(orig)
	if err != nil {
		log.Error().Err(err).Msg("routing data cannot be built: 500")
		e.reject(call, &log, 500, "")
		return
	}
	varsJSON := make(map[string]string, len(vars))
	for k, v := range vars {
		b, err := json.Marshal(v)
		if err != nil {
			log.Error().Err(err).Str("var", k).Msg("route variable cannot be given to the script: 500")
			e.reject(call, &log, 500, "")
			return
		}
		varsJSON[k] = string(b)
	}
	// The data object given to main, kept to read a routing changed in place by a
	// main that returns nothing (read after the run is over: no concurrent use).
	var argVM *goja.Runtime
	var argData *goja.Object
	res, err := e.RunJob(ctx, Job{
		Script: sc, Kind: "route", Budget: rt.cfg.Budget, Logger: &log, RejectionIsAnswer: true,
		ArgJS: func(vm *goja.Runtime) goja.Value {
			d := (&run{call: call}).buildData(vm)
			argVM, argData = vm, d
			// JSON.parse (run before the script's top level) makes plain JS objects and
			// arrays, which scripts may change and push to.
			parse, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
			if v, err := parse(goja.Undefined(), vm.ToValue(string(routingJSON))); err == nil {
				_ = d.Set("routing", v)
			}
			for k, s := range varsJSON {
				if v, err := parse(goja.Undefined(), vm.ToValue(s)); err == nil {
					_ = d.Set(k, v)
				}
			}
			return d
		},
		Project: routingOnly,
	})
	if err != nil {
		e.routeFailed(ctx, call, &log, err)
		return
	}
	decision := orig
	returned := res.Value
	if strings.TrimSpace(string(returned)) == "null" && argData != nil {
		returned = json.RawMessage(`{"routing":` + string(toJSON(argVM, argData.Get("routing"))) + `}`)
	}
	if s := strings.TrimSpace(string(returned)); s != "null" {
		var out struct {
			Routing *routingData `json:"routing"`
		}
		if err := json.Unmarshal(returned, &out); err != nil || out.Routing == nil {
			why := "it has no routing object"
			if err != nil {
				why = err.Error()
			}
			log.Error().Str("returned", clip(s)).Str("why", why).Msg("routing script returned something that is not data: 500")
			e.reject(call, &log, 500, "")
			return
		}
		decision = *out.Routing
	}
	attempts, err := e.attempts(decision, orig)
	if err != nil {
		log.Error().Err(err).Msg("routing decision refused: 500")
		e.reject(call, &log, 500, "")
		return
	}
	if len(attempts) == 0 {
		log.Warn().Str("dest", dest).Dur("took", time.Since(began)).Msg("no egress route: 404")
		e.reject(call, &log, 404, "No Route")
		return
	}
	log.Info().Str("dest", dest).Str("account", orig.AccountID).Int("gateways", len(attempts)).
		Dur("decided_in", res.Took).Msg("routing")
	e.bridgeInOrder(call, &log, attempts)
}

// routeFailed turns a routing script's failure into the SIP response.
func (e *Engine) routeFailed(ctx context.Context, call *voice.Call, log *zerolog.Logger, err error) {
	if ctx.Err() != nil && !call.Up() {
		log.Info().Err(err).Msg("caller left before the routing decision")
		return
	}
	var se *ScriptError
	if errors.As(err, &se) {
		if code, reason, ok := rejectionOf(se); ok {
			log.Info().Int("code", code).Str("reason", reason).Msg("routing script rejected the call")
			e.reject(call, log, code, reason)
			return
		}
		ev := log.Error().Str("at", ScriptErrorPos(se))
		if se.IsError {
			ev = ev.Str("error", se.Name+": "+se.Message).Str("stack", se.Stack)
		} else {
			ev = ev.RawJSON("thrown", se.Value)
		}
		ev.Msg("routing script failed: 500")
		e.reject(call, log, 500, "")
		return
	}
	var pos string
	var re *script.RuntimeError
	if errors.As(err, &re) {
		pos = fmt.Sprintf("%s:%d:%d", re.File, re.Line, re.Column)
	}
	log.Error().Err(err).Str("at", pos).Msg("routing script failed: 500")
	e.reject(call, log, 500, "")
}

var sipCodeMessage = regexp.MustCompile(`^\s*([4-6][0-9][0-9])(?:\s*[:\-]?\s+(.*))?\s*$`)

// rejectionOf reads a refusal from what a routing script threw: [code, reason]
// or an Error whose message starts with a SIP code (400-699).
func rejectionOf(se *ScriptError) (int, string, bool) {
	if se.IsError {
		m := sipCodeMessage.FindStringSubmatch(se.Message)
		if m == nil {
			return 0, "", false
		}
		code, _ := strconv.Atoi(m[1])
		return code, m[2], true
	}
	var arr []json.RawMessage
	if json.Unmarshal(se.Value, &arr) != nil || len(arr) == 0 || len(arr) > 2 {
		return 0, "", false
	}
	var code flexString
	if json.Unmarshal(arr[0], &code) != nil {
		return 0, "", false
	}
	n, err := strconv.Atoi(string(code))
	if err != nil || n < 400 || n > 699 {
		return 0, "", false
	}
	var reason string
	if len(arr) == 2 {
		var r flexString
		if json.Unmarshal(arr[1], &r) != nil {
			return 0, "", false
		}
		reason = string(r)
	}
	return n, reason, true
}

var stackPos = regexp.MustCompile(`([^\s()]+\.(?:js|ts|mjs|cjs|jsx|tsx)):(\d+)(?::(\d+))?`)

// ScriptErrorPos returns "file:line:col" of the innermost script frame of a script
// error's stack, or "" when it has none (a non-Error value rejected).
func ScriptErrorPos(se *ScriptError) string {
	m := stackPos.FindStringSubmatch(se.Stack)
	if m == nil {
		return ""
	}
	if m[3] == "" {
		return m[1] + ":" + m[2]
	}
	return m[1] + ":" + m[2] + ":" + m[3]
}

// attempts checks the decision's egress entries and builds their bridge arguments.
func (e *Engine) attempts(d, orig routingData) ([]attempt, error) {
	if len(d.Egress) > maxEgress {
		return nil, fmt.Errorf("%w: %d egress entries (at most %d)", ErrBadDecision, len(d.Egress), maxEgress)
	}
	if err := checkDialValue("routing.cli", string(d.CLI)); err != nil {
		return nil, err
	}
	out := make([]attempt, 0, len(d.Egress))
	for i, en := range d.Egress {
		if len(en.GW) == 0 {
			return nil, fmt.Errorf("%w: egress_routing[%d] has no gw", ErrBadDecision, i)
		}
		names := make([]string, 0, len(en.GW))
		for n := range en.GW {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			gw := en.GW[name]
			dial := string(gw.Dial)
			if dial == "" {
				if !gatewayName.MatchString(name) {
					return nil, fmt.Errorf("%w: egress_routing[%d]: gateway %q has no dial string", ErrBadDecision, i, clip(name))
				}
				dial = "sofia/gateway/" + name + "/" + string(d.DestNumber)
			}
			if err := checkDialString(dial); err != nil {
				return nil, fmt.Errorf("egress_routing[%d] (%s): %w", i, clip(name), err)
			}
			cli := string(gw.CLI)
			if cli == "" || cli == string(orig.CLI) {
				cli = string(d.CLI) // a rewritten routing.cli applies to gateways that kept the caller's
			}
			if err := checkDialValue("cli", cli); err != nil {
				return nil, fmt.Errorf("egress_routing[%d] (%s): %w", i, clip(name), err)
			}
			var vars []string
			if cli != "" {
				vars = append(vars, "origination_caller_id_number="+cli)
			}
			for _, h := range en.Headers {
				if err := checkHeader(h.Key, string(h.Value)); err != nil {
					return nil, fmt.Errorf("egress_routing[%d] (%s): %w", i, clip(name), err)
				}
				vars = append(vars, "sip_h_"+h.Key+"="+string(h.Value))
			}
			arg := dial
			if len(vars) > 0 {
				arg = "{" + strings.Join(vars, ",") + "}" + dial
			}
			out = append(out, attempt{gateway: name, dial: arg})
		}
	}
	return out, nil
}

// checkDialValue refuses a caller id or header value that could break out of the
// dial string's {var=value,...} block or make FreeSWITCH expand something.
func checkDialValue(what, v string) error {
	if len(v) > 256 {
		return fmt.Errorf("%w: %s is longer than 256 bytes", ErrBadDecision, what)
	}
	if strings.ContainsAny(v, ",{}[]<>'\"\\\r\n\x00|") || strings.Contains(v, "${") || strings.HasPrefix(v, "^^") {
		return fmt.Errorf("%w: %s %q holds a character a dial string cannot carry (, { } [ ] < > quotes \\ | newline ${ ^^)",
			ErrBadDecision, what, clip(v))
	}
	return nil
}

func checkHeader(k, v string) error {
	if !sipHeaderName.MatchString(k) {
		return fmt.Errorf("%w: header name %q must be X- followed by letters, digits or '-'", ErrBadDecision, clip(k))
	}
	return checkDialValue("header "+k, v)
}

// defaultPolicy checks dial strings for hook variables (the allow-lists do not matter there).
var defaultPolicy = Policy{}.compile()

// checkDialString accepts one destination: no spaces, no {..} block (the engine
// writes it), no | or :_: alternatives, commas only inside [..], no ${ expansions,
// and no hook variable in [..].
func checkDialString(dial string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: dial string %q: %s", ErrBadDecision, clip(dial), why)
	}
	if dial == "" || len(dial) > 1024 {
		return bad("must be 1 to 1024 bytes")
	}
	if strings.Contains(dial, "${") || strings.Contains(dial, "$${") {
		return bad("variable expansions are not allowed")
	}
	if strings.ContainsAny(dial, "{}|'\"\\<>") || strings.Contains(dial, ":_:") {
		return bad("must be one destination: no {..}, | or :_:, quotes or <..>")
	}
	depth := 0
	for _, c := range dial {
		switch {
		case c <= ' ' || c == 0x7f:
			return bad("spaces and control characters are not allowed")
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == ',' && depth == 0:
			return bad("commas (simultaneous ringing) are only allowed inside [..]")
		}
		if depth < 0 || depth > 1 {
			return bad("unbalanced [..]")
		}
	}
	if depth != 0 {
		return bad("unbalanced [..]")
	}
	if err := defaultPolicy.checkDial(dial); err != nil {
		return bad(err.Error())
	}
	return nil
}

// bridgeInOrder bridges to each attempt in turn until one succeeds or fails with
// a cause that is not a failover cause, then hangs the call up.
func (e *Engine) bridgeInOrder(call *voice.Call, log *zerolog.Logger, attempts []attempt) {
	if _, err := e.execWait(call, "set", "continue_on_fail=true"); err != nil {
		log.Info().Err(err).Msg("call ended before it was bridged")
		return
	}
	last := "NO_ROUTE_DESTINATION"
	for i, a := range attempts {
		ev, err := e.execWait(call, "bridge", a.dial)
		if err != nil {
			log.Info().Err(err).Str("gateway", a.gateway).Msg("bridge ended without an outcome")
			return
		}
		disp := ev.Get("variable_originate_disposition")
		if disp == "SUCCESS" || disp == "ANSWER" {
			cause := ev.Get("variable_bridge_hangup_cause")
			if cause == "" {
				cause = ev.Get("variable_last_bridge_hangup_cause")
			}
			log.Info().Str("gateway", a.gateway).Int("attempt", i+1).Str("b_leg_cause", cause).Msg("bridged")
			e.hangupWait(call, log, cause)
			return
		}
		cause := disp
		if cause == "" {
			cause = ev.Get("variable_originate_failed_cause")
		}
		if cause == "" {
			cause = "NORMAL_TEMPORARY_FAILURE"
		}
		last = cause
		if !call.Up() {
			return
		}
		if !failover[cause] {
			log.Info().Str("gateway", a.gateway).Int("attempt", i+1).Str("cause", cause).Msg("bridge failed: final cause, no failover")
			break
		}
		log.Warn().Str("gateway", a.gateway).Int("attempt", i+1).Str("cause", cause).Msg("bridge failed: failing over")
	}
	e.hangupWait(call, log, last)
}

// reject answers the caller with a SIP final response and ends the call.
func (e *Engine) reject(call *voice.Call, log *zerolog.Logger, code int, reason string) {
	reason = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(reason))
	if len(reason) > 128 {
		reason = reason[:128]
	}
	if reason == "" {
		reason = sipReason(code)
	}
	if _, err := e.execWait(call, "respond", strconv.Itoa(code)+" "+reason); err != nil {
		log.Info().Err(err).Int("code", code).Msg("respond not carried out")
	}
	e.hangupWait(call, log, causeOfSIP(code))
}

// execWait runs an application and waits for its completion.
func (e *Engine) execWait(call *voice.Call, app, arg string) (*voice.Event, error) {
	type result struct {
		ev  *voice.Event
		err error
	}
	ch := make(chan result, 1)
	call.Execute(app, arg, func(ev *voice.Event, err error) { ch <- result{ev, err} })
	r := <-ch
	return r.ev, r.err
}

// hangupWait hangs the call up with cause and waits (bounded) until it is down.
func (e *Engine) hangupWait(call *voice.Call, log *zerolog.Logger, cause string) {
	done := make(chan struct{})
	call.Hangup(cause, func(error) { close(done) })
	t := time.NewTimer(e.cfg.FailTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		log.Warn().Str("cause", cause).Msg("hang-up did not finish in time")
	}
}

func sipReason(code int) string {
	switch code {
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 488:
		return "Not Acceptable Here"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	case 603:
		return "Decline"
	case 604:
		return "Does Not Exist Anywhere"
	case 606:
		return "Not Acceptable"
	}
	return "Rejected"
}

// causeOfSIP maps a SIP final response to the Q.850 cause the channel is hung up
// with (as FreeSWITCH's sofia maps them).
func causeOfSIP(code int) string {
	switch code {
	case 403, 603:
		return "CALL_REJECTED"
	case 404, 604:
		return "UNALLOCATED_NUMBER"
	case 480:
		return "NO_USER_RESPONSE"
	case 484:
		return "INVALID_NUMBER_FORMAT"
	case 486, 600:
		return "USER_BUSY"
	case 488, 606:
		return "INCOMPATIBLE_DESTINATION"
	case 502:
		return "NETWORK_OUT_OF_ORDER"
	case 503:
		return "NORMAL_TEMPORARY_FAILURE"
	}
	switch {
	case code >= 500 && code < 600:
		return "NORMAL_TEMPORARY_FAILURE"
	default:
		return "CALL_REJECTED"
	}
}

func clipBytes(b []byte) string { return clip(string(b)) }
