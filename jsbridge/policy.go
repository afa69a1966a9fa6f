package jsbridge

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// ErrPermission is wrapped by every refusal of the sandbox policy.
var ErrPermission = errors.New("not permitted")

// Policy says which FreeSWITCH applications and API commands scripts may run.
// The zero Policy is the default: DefaultApps and DefaultAPIs.
type Policy struct {
	// ExtraApps and ExtraAPIs widen the defaults (operator config).
	ExtraApps []string
	ExtraAPIs []string
}

// DefaultApps are the dialplan applications a script may run through ctx.execute.
// Anything else (system, bg_system, spawn, lua, js, python, perl, eval, expand,
// originate...) is refused unless the operator adds it.
var DefaultApps = []string{
	"answer", "pre_answer", "ring_ready", "playback", "speak", "say", "phrase", "play_and_get_digits", "read",
	"sleep", "set", "export", "unset", "multiset", "push", "unshift", "hangup", "bridge", "transfer", "echo",
	"delay_echo", "conference", "record", "record_session", "stop_record_session", "block_dtmf", "unblock_dtmf",
	"send_dtmf", "flush_dtmf", "start_dtmf", "stop_dtmf", "gentones", "playback_terminators", "respond", "redirect",
	"deflect", "info", "log", "park", "endless_playback", "displace_session", "stop_displace_session",
	"sched_hangup", "privacy", "att_xfer",
}

// DefaultAPIs are the API commands a script may run through ctx.api. The uuid_*
// ones are allowed on the script's own call only.
var DefaultAPIs = []string{
	"uuid_getvar", "uuid_setvar", "uuid_break", "uuid_send_dtmf", "uuid_dump", "uuid_exists", "uuid_hold",
	"uuid_record", "uuid_displace", "strftime", "md5",
}

// hookVar matches channel variables that make FreeSWITCH run applications or API
// commands later (api_on_answer, execute_on_media, api_hangup_hook,
// exec_after_bridge_app, bridge_pre_execute_aleg_app...).
var hookVar = regexp.MustCompile(`(?i)(^api_|_on_|hook|^exec|_exec|pre_execute|post_execute|_app$|_app_arg|app_args|^transfer_after|^socket|^origination_|^lua_|^mod_|^session_in_)`)

// apiExpansion reports whether s holds a FreeSWITCH variable expansion that calls an
// API (${name(args)}, $${name(args)}), at any nesting depth: FreeSWITCH expands an
// inner ${...} first, so ${${x}(args)} calls the API that x names. A '(' anywhere
// inside a ${ ... } is refused.
func apiExpansion(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				depth++
				i++
			}
		case '{':
			if depth > 0 {
				depth++
			}
		case '}':
			if depth > 0 {
				depth--
			}
		case '(':
			if depth > 0 {
				return true
			}
		}
	}
	return false
}

// varList splits a "name=value" list on sep, or, when it starts with FreeSWITCH's
// "^^X" custom-delimiter prefix, on X ({^^:a=1:b=2}, multiset ^^;a=1;b=2).
func varList(list string, sep func(rune) bool) []string {
	list = strings.TrimSpace(list)
	if len(list) > 2 && strings.HasPrefix(list, "^^") {
		d := list[2:3]
		return strings.Split(list[3:], d)
	}
	return strings.FieldsFunc(list, sep)
}

// sandboxPolicy is a Policy compiled for lookups.
type sandboxPolicy struct {
	apps map[string]bool
	apis map[string]bool
}

func (p Policy) compile() *sandboxPolicy {
	sp := &sandboxPolicy{apps: map[string]bool{}, apis: map[string]bool{}}
	for _, a := range append(append([]string(nil), DefaultApps...), p.ExtraApps...) {
		sp.apps[strings.ToLower(a)] = true
	}
	for _, a := range append(append([]string(nil), DefaultAPIs...), p.ExtraAPIs...) {
		sp.apis[strings.ToLower(a)] = true
	}
	return sp
}

func deny(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPermission, fmt.Sprintf(format, args...))
}

// benignVars are variables whose names the hook pattern catches but that run
// nothing: they only tune how a bridge or an originate treats failures.
var benignVars = map[string]bool{
	"continue_on_fail": true, "fail_on_single_reject": true, "originate_continue_on_timeout": true,
}

// checkVar refuses hook variables.
func (sp *sandboxPolicy) checkVar(name string) error {
	if benignVars[strings.ToLower(name)] {
		return nil
	}
	if hookVar.MatchString(name) {
		return deny("variable %q makes FreeSWITCH run commands later", name)
	}
	return nil
}

// checkArg refuses API-calling expansions in any argument a script gives.
func (sp *sandboxPolicy) checkArg(arg string) error {
	if apiExpansion(arg) {
		return deny("argument holds an API-calling ${...(...)} expansion")
	}
	return nil
}

// checkApp checks an application and its argument.
func (sp *sandboxPolicy) checkApp(app, arg string) error {
	if !sp.apps[strings.ToLower(app)] {
		return deny("application %q is not on the allow-list", app)
	}
	if err := sp.checkArg(arg); err != nil {
		return err
	}
	switch strings.ToLower(app) {
	case "set", "export", "push", "unshift":
		name, _, _ := strings.Cut(arg, "=")
		return sp.checkVar(strings.TrimSpace(name))
	case "multiset":
		for _, kv := range varList(arg, unicode.IsSpace) {
			name, _, _ := strings.Cut(kv, "=")
			if err := sp.checkVar(strings.TrimSpace(name)); err != nil {
				return err
			}
		}
	case "bridge", "att_xfer":
		return sp.checkDial(arg)
	}
	return nil
}

// checkDial refuses hook variables in a dial string's {..}, [..] and <..> blocks.
func (sp *sandboxPolicy) checkDial(dial string) error {
	if err := sp.checkArg(dial); err != nil {
		return err
	}
	for i := 0; i < len(dial); i++ {
		var closer byte
		switch dial[i] {
		case '{':
			closer = '}'
		case '[':
			closer = ']'
		case '<':
			closer = '>'
		default:
			continue
		}
		end := strings.IndexByte(dial[i+1:], closer)
		if end < 0 {
			return deny("unbalanced %q in dial string", dial[i])
		}
		for _, kv := range varList(dial[i+1:i+1+end], func(r rune) bool { return r == ',' }) {
			name, _, _ := strings.Cut(kv, "=")
			if err := sp.checkVar(strings.TrimSpace(name)); err != nil {
				return err
			}
		}
		i += end + 1
	}
	return nil
}

// checkAPI checks an API command line; uuid_* commands must name the own call.
func (sp *sandboxPolicy) checkAPI(cmd, ownUUID string) error {
	fields := strings.Fields(cmd)
	if len(fields) == 0 {
		return deny("empty api command")
	}
	name := strings.ToLower(fields[0])
	if !sp.apis[name] {
		return deny("api command %q is not on the allow-list", fields[0])
	}
	if err := sp.checkArg(cmd); err != nil {
		return err
	}
	if strings.HasPrefix(name, "uuid_") {
		if len(fields) < 2 || fields[1] != ownUUID {
			return deny("%s may only name this call's own uuid", fields[0])
		}
		if name == "uuid_setvar" && len(fields) > 2 {
			if err := sp.checkVar(fields[2]); err != nil {
				return err
			}
		}
	}
	return nil
}
