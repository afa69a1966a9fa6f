package fstest

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/strftime"
)

const disconnectBody = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

// maxCommandSize bounds one command from the engine.
const maxCommandSize = 1 << 20

var errBadCommand = errors.New("fstest: malformed command from engine")

// rawCommand is one parsed command from the engine.
type rawCommand struct {
	line    string
	headers []kv
	body    string
	raw     []byte
}

func (r *rawCommand) header(name string) (string, bool) {
	for _, h := range r.headers {
		if strings.EqualFold(h.name, name) {
			return h.value, true
		}
	}
	return "", false
}

// readCommand reads one command: a line, "Name: value" lines, an empty line, and
// a body when a content-length header says so.
func readCommand(br *bufio.Reader) (*rawCommand, error) {
	cmd := &rawCommand{}
	var raw []byte
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if err == io.EOF && len(raw) == 0 && len(line) == 0 {
				return nil, io.EOF
			}
			if err == bufio.ErrBufferFull {
				return nil, fmt.Errorf("%w: line too long", errBadCommand)
			}
			return nil, err
		}
		raw = append(raw, line...)
		if len(raw) > maxCommandSize {
			return nil, fmt.Errorf("%w: command too long", errBadCommand)
		}
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			if cmd.line == "" {
				raw = raw[:0]
				continue // stray empty lines between commands
			}
			break
		}
		if cmd.line == "" {
			cmd.line = text
			continue
		}
		name, value, _ := strings.Cut(text, ":")
		cmd.headers = append(cmd.headers, kv{strings.TrimSpace(name), strings.TrimPrefix(value, " ")})
	}
	if v, ok := cmd.header("content-length"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > maxCommandSize {
			return nil, fmt.Errorf("%w: content-length %q", errBadCommand, v)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, err
		}
		cmd.body = string(body)
		raw = append(raw, body...)
	}
	cmd.raw = raw
	return cmd, nil
}

// writeFrame writes one frame (parts concatenated) atomically. completes marks the
// frame that completes the engine's pending work (for EngineTime).
func (c *Call) writeFrame(completes bool, parts ...[]byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)) // a real socket write: wall time, whatever the Clock
	var rec []byte
	if c.cfg.RecordFrames {
		// before the write: WriteTo consumes the buffers (parts end up nil)
		for _, p := range parts {
			rec = append(rec, p...)
		}
	}
	bufs := net.Buffers(parts)
	_, err := bufs.WriteTo(c.nc)
	now := c.clock.Now()
	c.mu.Lock()
	if completes {
		c.lastDone = now
	}
	if c.cfg.RecordFrames {
		c.frames = append(c.frames, Frame{At: now, Data: string(rec)})
	}
	c.mu.Unlock()
	if err != nil {
		_ = c.nc.Close()
	}
}

func (c *Call) reply(text string, completes bool) {
	c.writeFrame(completes, []byte("Content-Type: command/reply\nReply-Text: "+text+"\n\n"))
}

func (c *Call) disconnectNotice() {
	c.writeFrame(false, []byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: "+c.uuid+
		"\nContent-Disposition: disconnect\nContent-Length: "+strconv.Itoa(len(disconnectBody))+"\n\n"+disconnectBody))
}

func (c *Call) lingerNotice(secs int) {
	c.writeFrame(false, []byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: "+c.uuid+
		"\nContent-Disposition: linger\nChannel-Name: "+c.chanName+"\nLinger-Time: "+strconv.Itoa(secs)+"\nContent-Length: 0\n\n"))
}

// readLoop reads and serves the engine's commands until the socket closes.
func (c *Call) readLoop() {
	defer close(c.readerDone)
	br := bufio.NewReaderSize(c.nc, 16<<10)
	var eb eventBuf
	for {
		cmd, err := readCommand(br)
		if err != nil {
			c.mu.Lock()
			c.peerClosed = true
			c.mu.Unlock()
			c.kick()
			return
		}
		c.serve(cmd, &eb)
	}
}

// serve answers one command. Replies are written before the channel goroutine can
// act on the command, so +OK always precedes CHANNEL_EXECUTE (fact 3).
func (c *Call) serve(rc *rawCommand, eb *eventBuf) {
	now := c.clock.Now()
	name, rest, _ := strings.Cut(rc.line, " ")
	cmd := Command{Name: name, Line: rc.line, At: now, EngineTime: -1}
	c.mu.Lock()
	if c.connected && !c.st.down && len(c.queue) == 0 && !c.busy() && !c.lastDone.IsZero() {
		cmd.EngineTime = now.Sub(c.lastDone)
	}
	if name == "sendmsg" {
		cmd.CallCommand, _ = rc.header("call-command")
		cmd.App, _ = rc.header("execute-app-name")
		cmd.Arg, _ = rc.header("execute-app-arg")
		if ct, _ := rc.header("content-type"); strings.EqualFold(ct, "text/plain") && cmd.Arg == "" {
			cmd.Arg = rc.body
		}
		cmd.EventUUID, _ = rc.header("Event-UUID")
		cmd.HangupCause, _ = rc.header("hangup-cause")
		cmd.Loops = 1
		if l, ok := rc.header("loops"); ok {
			if n, err := strconv.Atoi(l); err == nil && n > 0 {
				cmd.Loops = n
			}
		}
	}
	c.commands = append(c.commands, cmd)
	if c.cfg.RecordFrames {
		c.frames = append(c.frames, Frame{FromEngine: true, At: now, Data: string(rc.raw)})
	}
	connected := c.connected
	c.notifyLocked()
	c.mu.Unlock()

	if !connected {
		if name != "connect" {
			c.reply("-ERR command not found", true)
			return
		}
		if c.cfg.Setup != nil {
			c.cfg.Setup(c)
		}
		c.mu.Lock()
		b := c.appendChannelData(make([]byte, 0, 8<<10), now)
		c.connected = true
		c.mu.Unlock()
		c.writeFrame(true, b)
		c.kick()
		return
	}

	switch name {
	case "myevents":
		c.mu.Lock()
		c.st.eventsOn = true
		if strings.Contains(rest, "json") {
			c.st.format = fmtJSON
		}
		c.mu.Unlock()
		c.reply("+OK Events Enabled", true)
	case "event":
		format, names, _ := strings.Cut(rest, " ")
		c.mu.Lock()
		for _, n := range strings.Fields(names) {
			if n == "BACKGROUND_JOB" || n == "ALL" {
				c.st.bgJobs = true
			}
		}
		c.mu.Unlock()
		c.reply("+OK event listener enabled "+format, true)
	case "linger":
		secs := lingerForever
		if rest != "" {
			n, err := strconv.Atoi(strings.TrimSpace(rest))
			if err != nil || n < 0 {
				c.reply("-ERR invalid linger time", true)
				return
			}
			secs = n
		}
		c.mu.Lock()
		c.st.linger = secs
		c.mu.Unlock()
		if secs == lingerForever {
			c.reply("+OK will linger", true)
		} else {
			c.reply("+OK will linger "+strconv.Itoa(secs)+" seconds", true)
		}
	case "nolinger":
		c.mu.Lock()
		c.st.linger = lingerOff
		c.mu.Unlock()
		c.reply("+OK will not linger", true)
	case "exit":
		c.reply("+OK bye", true)
		c.disconnectNotice()
		c.mu.Lock()
		c.exitReq = true
		c.exitAt = c.clock.Now()
		c.notifyLocked()
		c.mu.Unlock()
		_ = c.nc.Close()
		c.kick()
	case "api":
		body, brk := c.api(rest)
		c.writeFrame(true, []byte("Content-Type: api/response\nContent-Length: "+strconv.Itoa(len(body))+"\n\n"+body))
		c.applyBreak(brk)
	case "bgapi":
		job := uuid.NewString()
		c.writeFrame(true, []byte("Content-Type: command/reply\nReply-Text: +OK Job-UUID: "+job+"\nJob-UUID: "+job+"\n\n"))
		body, brk := c.api(rest)
		c.applyBreak(brk)
		c.mu.Lock()
		send := c.st.bgJobs
		c.mu.Unlock()
		if send {
			cmdName, args, _ := strings.Cut(rest, " ")
			c.emitWith(eb, "BACKGROUND_JOB", &eventOpts{extra: []kv{
				{"Job-UUID", job}, {"Job-Owner-UUID", c.uuid}, {"Job-Command", cmdName}, {"Job-Command-Arg", args},
			}, body: body}, false, true)
		}
	case "sendmsg":
		c.sendmsg(cmd)
	default:
		c.reply("-ERR command not found", true)
	}
}

// busy reports whether an application is running; c.mu must be held.
func (c *Call) busy() bool { return c.st.running != "" }

func (c *Call) sendmsg(cmd Command) {
	switch cmd.CallCommand {
	case "execute":
		c.reply("+OK", false)
		if cmd.EventUUID == "" {
			cmd.EventUUID = uuid.NewString() // FreeSWITCH makes one up (trace 09)
		}
		c.mu.Lock()
		if !c.st.down {
			c.queue = append(c.queue, &appReq{app: cmd.App, arg: cmd.Arg, uuid: cmd.EventUUID, loops: cmd.Loops})
		}
		c.mu.Unlock()
		c.kick()
	case "hangup":
		c.reply("+OK", true)
		c.mu.Lock()
		if !c.hangupSet {
			c.hangupSet, c.hangupReq = true, orStr(cmd.HangupCause, "NORMAL_CLEARING")
		}
		c.mu.Unlock()
		c.kick()
	default:
		c.reply("+OK", true) // unknown call-command: accepted, nothing happens (fact 8)
	}
}

// break kinds returned by api, applied once the reply is on the wire (the app's
// completion follows the api response, as in trace 12).
const (
	noBreak = iota
	breakCurrent
	breakAll
)

func (c *Call) applyBreak(kind int) {
	if kind == noBreak {
		return
	}
	c.mu.Lock()
	if kind == breakAll {
		c.queue = c.queue[:0] // queued apps are flushed and never complete (fact 11)
	}
	c.breakReq = true
	c.notifyLocked()
	c.mu.Unlock()
	c.kick()
}

// api runs the api commands the simulator knows; others get FreeSWITCH's -ERR.
func (c *Call) api(args string) (string, int) {
	f := strings.Fields(args)
	if len(f) == 0 {
		return "-ERR no command\n", noBreak
	}
	own := len(f) > 1 && f[1] == c.uuid
	c.mu.Lock()
	defer c.mu.Unlock()
	switch f[0] {
	case "uuid_getvar":
		if !own || c.st.down {
			return "-ERR No such channel!\n", noBreak
		}
		if len(f) < 3 {
			return "-USAGE: <uuid> <var>\n", noBreak
		}
		if v, ok := c.st.getVar(f[2]); ok {
			return v, noBreak
		}
		return "_undef_", noBreak
	case "uuid_setvar":
		if !own || c.st.down {
			return "-ERR No such channel!\n", noBreak
		}
		if len(f) < 3 {
			return "-USAGE: <uuid> <var> [value]\n", noBreak
		}
		if len(f) == 3 {
			c.st.unsetVar(f[2])
		} else {
			_, val, _ := strings.Cut(args, f[2]+" ")
			c.st.setVar(f[2], val)
		}
		return "+OK", noBreak
	case "uuid_break":
		if !own || c.st.down {
			return "-ERR No such channel!\n", noBreak
		}
		if len(f) > 2 && f[2] == "all" {
			return "+OK\n", breakAll
		}
		return "+OK\n", breakCurrent
	case "strftime":
		// mod_commands' strftime: the switch's local time (here the call's clock) in
		// C strftime's format, default "%Y-%m-%d %T", no newline.
		format := "%Y-%m-%d %T"
		if _, rest, ok := strings.Cut(args, " "); ok && strings.TrimSpace(rest) != "" {
			format = rest
		}
		out, err := strftime.Format(format, c.clock.Now().Local())
		if err != nil {
			return "-ERR " + err.Error() + "\n", noBreak
		}
		return out, noBreak
	case "md5":
		// mod_commands' md5: the lowercase hex digest of the rest of the line.
		_, rest, _ := strings.Cut(args, " ")
		sum := md5.Sum([]byte(rest))
		return hex.EncodeToString(sum[:]), noBreak
	}
	return "-ERR " + f[0] + " Command not found!\n", noBreak
}

// eventBuf holds one goroutine's buffers for building events.
type eventBuf struct {
	head, body []byte
}

// emitWith sends event name if the engine asked for events (myevents), or when
// force is set (BACKGROUND_JOB after `event plain`).
func (c *Call) emitWith(eb *eventBuf, name string, o *eventOpts, completes, force bool) {
	now := c.clock.Now()
	c.mu.Lock()
	if !c.st.eventsOn && !force {
		c.mu.Unlock()
		return
	}
	f := c.st.format
	eb.body = c.appendEventBody(eb.body[:0], f, name, now, o)
	c.mu.Unlock()
	eb.head = append(eb.head[:0], "Content-Length: "...)
	eb.head = strconv.AppendInt(eb.head, int64(len(eb.body)), 10)
	if f == fmtJSON {
		eb.head = append(eb.head, "\nContent-Type: text/event-json\n\n"...)
	} else {
		eb.head = append(eb.head, "\nContent-Type: text/event-plain\n\n"...)
	}
	c.writeFrame(completes, eb.head, eb.body)
}
