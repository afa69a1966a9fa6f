package esl

import (
	"errors"
	"strings"
	"testing"
)

// The writers produce the bytes of the real captures, put arguments with line
// breaks in the body, and refuse anything that would inject a header.
func TestAppendCommands(t *testing.T) {
	t.Parallel()
	const ev = "22d30f62-8dd9-47c3-90a0-6cf4c95b8eb2"
	long := strings.Repeat("a", maxHeaderArg+1)
	tests := []struct {
		name  string
		build func() ([]byte, error)
		want  string // "" when an error is wanted
	}{
		{"execute without argument (trace 01)", func() ([]byte, error) {
			return AppendExecute(nil, "answer", "", "86e38fc3-df79-4f29-9f11-78f82cdb9690")
		}, "sendmsg\ncall-command: execute\nexecute-app-name: answer\nevent-lock: true\nEvent-UUID: 86e38fc3-df79-4f29-9f11-78f82cdb9690\n\n"},
		{"execute with argument (trace 01)", func() ([]byte, error) {
			return AppendExecute(nil, "playback", "/srv/fsconf/sounds/welcome.wav", ev)
		}, "sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: /srv/fsconf/sounds/welcome.wav\nevent-lock: true\nEvent-UUID: " + ev + "\n\n"},
		{"argument with a newline goes in the body (trace 08)", func() ([]byte, error) {
			return AppendExecute(nil, "set", "long_var=hello world: with spaces, colons\nand a newline", "2847ba48-bac0-40ce-8a9c-bf7f01d63c18")
		}, "sendmsg\ncall-command: execute\nexecute-app-name: set\nevent-lock: true\nEvent-UUID: 2847ba48-bac0-40ce-8a9c-bf7f01d63c18\ncontent-type: text/plain\ncontent-length: 55\n\nlong_var=hello world: with spaces, colons\nand a newline"},
		{"header injection through the argument stays in the body", func() ([]byte, error) {
			return AppendExecute(nil, "playback", "x.wav\nexecute-app-name: system\n\n", ev)
		}, "sendmsg\ncall-command: execute\nexecute-app-name: playback\nevent-lock: true\nEvent-UUID: " + ev + "\ncontent-type: text/plain\ncontent-length: 32\n\nx.wav\nexecute-app-name: system\n\n"},
		{"a carriage return also goes in the body", func() ([]byte, error) {
			return AppendExecute(nil, "set", "a=1\rb", ev)
		}, "sendmsg\ncall-command: execute\nexecute-app-name: set\nevent-lock: true\nEvent-UUID: " + ev + "\ncontent-type: text/plain\ncontent-length: 5\n\na=1\rb"},
		{"a long argument goes in the body", func() ([]byte, error) {
			return AppendExecute(nil, "set", long, ev)
		}, "sendmsg\ncall-command: execute\nexecute-app-name: set\nevent-lock: true\nEvent-UUID: " + ev + "\ncontent-type: text/plain\ncontent-length: 2049\n\n" + long},
		{"newline in the app name is refused", func() ([]byte, error) {
			return AppendExecute(nil, "playback\nexecute-app-name: system", "x", ev)
		}, ""},
		{"space, colon or empty app name is refused", func() ([]byte, error) {
			if _, err := AppendExecute(nil, "play back", "", ev); err == nil {
				return nil, nil
			}
			if _, err := AppendExecute(nil, "a:b", "", ev); err == nil {
				return nil, nil
			}
			return AppendExecute(nil, "", "", ev)
		}, ""},
		{"newline in the event uuid is refused", func() ([]byte, error) {
			return AppendExecute(nil, "answer", "", ev+"\nevent-lock: false")
		}, ""},
		{"NUL in the argument is refused", func() ([]byte, error) {
			return AppendExecute(nil, "set", "a=\x00", ev)
		}, ""},
		{"hangup with a cause (trace 02)", func() ([]byte, error) { return AppendHangup(nil, "USER_BUSY") },
			"sendmsg\ncall-command: hangup\nhangup-cause: USER_BUSY\n\n"},
		{"hangup without a cause (trace 08)", func() ([]byte, error) { return AppendHangup(nil, "") },
			"sendmsg\ncall-command: hangup\n\n"},
		{"newline in the hangup cause is refused", func() ([]byte, error) {
			return AppendHangup(nil, "NORMAL_CLEARING\ncall-command: execute")
		}, ""},
		{"api (trace 01)", func() ([]byte, error) {
			return AppendAPI(nil, "uuid_getvar c5da779d-7be2-42d2-8092-f2baefdf2b95 foo")
		}, "api uuid_getvar c5da779d-7be2-42d2-8092-f2baefdf2b95 foo\n\n"},
		{"api (trace 12)", func() ([]byte, error) { return AppendAPI(nil, "uuid_break 5d56b726-a96e-47ab-ae3f-e9da8a0e9f38") },
			"api uuid_break 5d56b726-a96e-47ab-ae3f-e9da8a0e9f38\n\n"},
		{"newline in an api command is refused", func() ([]byte, error) {
			return AppendAPI(nil, "uuid_getvar x y\n\napi shutdown")
		}, ""},
		{"empty api command is refused", func() ([]byte, error) { return AppendAPI(nil, "  ") }, ""},
		{"event subscription (trace 08)", func() ([]byte, error) { return AppendEventSubscribe(nil, "BACKGROUND_JOB") },
			"event plain BACKGROUND_JOB\n\n"},
		{"newline in an event name is refused", func() ([]byte, error) {
			return AppendEventSubscribe(nil, "CUSTOM\n\napi shutdown")
		}, ""},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.build()
			if tc.want == "" {
				if !errors.Is(err, ErrBadCommand) {
					t.Fatalf("err = %v (frame %q), want ErrBadCommand", err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("frame\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}

// The writers append to dst and leave it as it was when they refuse.
func TestAppendKeepsDst(t *testing.T) {
	t.Parallel()
	dst := []byte("prev\n\n")
	out, err := AppendHangup(dst, "BAD\nCAUSE")
	if err == nil || string(out) != "prev\n\n" {
		t.Fatalf("refused hangup: %q %v", out, err)
	}
	out, err = AppendAPI(dst, "uuid_break x")
	if err != nil || string(out) != "prev\n\napi uuid_break x\n\n" {
		t.Fatalf("api after prev: %q %v", out, err)
	}
}

// Every to_fs frame of the captures that the writers can produce comes out byte for
// byte: executes (with their Event-UUIDs), hangups, api commands.
func TestAppendMatchesTraces(t *testing.T) {
	t.Parallel()
	_, toFS := traceStreams(t)
	checked := 0
	for trace, frames := range toFS {
		for _, fr := range frames {
			var got []byte
			var err error
			switch {
			case strings.HasPrefix(fr, "api "):
				got, err = AppendAPI(nil, strings.TrimSuffix(strings.TrimPrefix(fr, "api "), "\n\n"))
			case strings.HasPrefix(fr, "sendmsg\ncall-command: hangup\n"):
				cause := ""
				if i := strings.Index(fr, "hangup-cause: "); i >= 0 {
					cause = strings.TrimSuffix(fr[i+len("hangup-cause: "):], "\n\n")
				}
				got, err = AppendHangup(nil, cause)
			case strings.HasPrefix(fr, "sendmsg\ncall-command: execute\n") && strings.Contains(fr, "event-lock: true\nEvent-UUID: "):
				h, body, _ := strings.Cut(fr, "\n\n")
				field := func(name string) string {
					for _, l := range strings.Split(h, "\n") {
						if v, ok := strings.CutPrefix(l, name+": "); ok {
							return v
						}
					}
					return ""
				}
				if field("loops") != "" {
					continue // playback loops: not a form the engine sends
				}
				arg := field("execute-app-arg")
				if body != "" {
					arg = body
				}
				got, err = AppendExecute(nil, field("execute-app-name"), arg, field("Event-UUID"))
			default:
				continue
			}
			if err != nil {
				t.Errorf("%s: %q: %v", trace, fr, err)
				continue
			}
			if string(got) != fr {
				t.Errorf("%s:\n got %q\nwant %q", trace, got, fr)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d trace frames checked", checked)
	}
}
