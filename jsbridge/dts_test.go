package jsbridge

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dtsInterfaceFor names, for each bindings object, the interface of
// callforge.d.ts that declares it.
var dtsInterfaceFor = map[string]string{
	"ctx":     "Ctx",
	"console": "Console",
	"data":    "CallData",
}

// dtsMemberRe matches a member declaration at the start of a line:
// `name(`, `name:`, `name?:`, `name<T>(`, optionally `readonly`.
var dtsMemberRe = regexp.MustCompile(`^\s*(?:readonly\s+)?([A-Za-z_$][A-Za-z0-9_$]*)\s*\??\s*[(:<]`)

// dtsMembers returns the member names declared directly in `interface name {`
// of a d.ts source (members of nested object types are skipped), or ok=false
// when the interface is missing.
func dtsMembers(src, name string) (members []string, ok bool) {
	start := regexp.MustCompile(`(?m)^\s*(?:export\s+)?interface\s+` + regexp.QuoteMeta(name) + `\b[^{]*\{`).FindStringIndex(src)
	if start == nil {
		return nil, false
	}
	depth := 1
	inComment := false
	for _, line := range strings.Split(src[start[1]:], "\n") {
		trimmed := strings.TrimSpace(line)
		if inComment || strings.HasPrefix(trimmed, "/*") {
			inComment = !strings.Contains(trimmed, "*/")
			continue
		}
		if strings.HasPrefix(trimmed, "//") {
			continue
		}
		if depth == 1 {
			if m := dtsMemberRe.FindStringSubmatch(line); m != nil && !slices.Contains(members, m[1]) {
				members = append(members, m[1])
			}
		}
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if depth <= 0 {
			break
		}
	}
	slices.Sort(members)
	return members, true
}

// dtsDrift lists the differences between the bindings and the d.ts: names
// the engine binds that the d.ts lacks, and (for ctx) names the d.ts
// declares that the engine does not bind.
func dtsDrift(src string, bindings map[string][]string) []string {
	var drift []string
	for obj, iface := range dtsInterfaceFor {
		declared, ok := dtsMembers(src, iface)
		if !ok {
			drift = append(drift, "interface "+iface+" ("+obj+") is missing")
			continue
		}
		for _, name := range bindings[obj] {
			if !slices.Contains(declared, name) {
				drift = append(drift, obj+"."+name+" is bound but not declared in interface "+iface)
			}
		}
		if obj != "ctx" {
			continue // data and console declare more (headers, typing helpers)
		}
		for _, name := range declared {
			if !slices.Contains(bindings[obj], name) {
				drift = append(drift, obj+"."+name+" is declared in interface "+iface+" but not bound")
			}
		}
	}
	slices.Sort(drift)
	return drift
}

// TestDTSMatchesBindings fails when callforge.d.ts and the engine's bindings
// drift apart.
func TestDTSMatchesBindings(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../callforge.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	bindings := Bindings()
	for _, obj := range []string{"ctx", "console", "data"} {
		if len(bindings[obj]) == 0 {
			t.Fatalf("Bindings()[%q] is empty", obj)
		}
	}
	for _, d := range dtsDrift(string(src), bindings) {
		t.Error(d)
	}
}

// The drift check itself catches what it must.
func TestDTSDrift(t *testing.T) {
	t.Parallel()
	const dts = `declare namespace callforge {
  interface CallData {
    readonly uuid: string;
    readonly vars: Record<string, string>;
    readonly [header: string]: unknown;
  }
  interface Console {
    log(...args: unknown[]): void;
  }
  interface Ctx {
    /** Plays a file.
     *  fake(x): not a member, in a comment */
    play(file: string): Promise<string>;
    header(name: string): string | undefined;
    header(name: string, value: string): Promise<void>;
    readonly up: boolean;
    bridge(dest: string, opts?: {
      nested(x: number): void;
    }): Promise<void>;
    ivr?(file: string): Promise<void>;
  }
}`
	tests := []struct {
		name     string
		bindings map[string][]string
		want     []string
	}{
		{"in step", map[string][]string{
			"ctx": {"bridge", "header", "ivr", "play", "up"}, "console": {"log"}, "data": {"uuid", "vars"},
		}, nil},
		{"bound, not declared", map[string][]string{
			"ctx": {"bridge", "header", "ivr", "play", "stop", "up"}, "console": {"log", "warn"}, "data": {"uuid", "vars", "context"},
		}, []string{
			"console.warn is bound but not declared in interface Console",
			"ctx.stop is bound but not declared in interface Ctx",
			"data.context is bound but not declared in interface CallData",
		}},
		{"declared, not bound", map[string][]string{
			"ctx": {"bridge", "header", "ivr", "up"}, "console": {"log"}, "data": {"uuid"},
		}, []string{"ctx.play is declared in interface Ctx but not bound"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := dtsDrift(dts, tt.bindings); !slices.Equal(got, tt.want) {
				t.Errorf("dtsDrift = %q, want %q", got, tt.want)
			}
		})
	}
	if got := dtsDrift("declare namespace callforge {}", map[string][]string{}); len(got) != 3 {
		t.Errorf("dtsDrift of a d.ts without the interfaces = %q, want 3 missing interfaces", got)
	}
}
