package voice

import "github.com/callforge/callforge/voice/internal/esl"

// Event is one FreeSWITCH event of the call, or the call's channel data.
// An Event is immutable and safe to share between goroutines.
type Event struct {
	ev   *esl.Event
	name string // Event-Name, read once when the event is dispatched
}

// Name returns the Event-Name header (CHANNEL_EXECUTE_COMPLETE, DTMF, ...).
func (e *Event) Name() string {
	if e.name != "" {
		return e.name
	}
	return e.ev.Get("Event-Name")
}

// Get returns the decoded value of a header, or "".
func (e *Event) Get(name string) string { return e.ev.Get(name) }

// Lookup returns the decoded value of a header and whether it was present.
func (e *Event) Lookup(name string) (string, bool) { return e.ev.Lookup(name) }

// Var returns the channel variable name (the event's variable_<name> header).
func (e *Event) Var(name string) (string, bool) { return e.ev.Lookup("variable_" + name) }

// Body returns the event's body, if any.
func (e *Event) Body() string { return e.ev.Body }

// Len returns the number of headers.
func (e *Event) Len() int { return e.ev.Len() }

// Each calls fn for every header, in order, with decoded values.
func (e *Event) Each(fn func(name, value string)) {
	enc := e.ev.Encoded()
	e.ev.Each(func(name, v string) {
		if enc {
			v = esl.Decode(v)
		}
		fn(name, v)
	})
}
