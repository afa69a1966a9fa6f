package realswitch

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// repoRoot is the module root: tests run in e2e/realswitch.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatalf("repo root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root %s has no go.mod: %v", root, err)
	}
	return root
}

func confDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "freeswitch-conf")
}

// xmlFiles lists the *.xml files under dir, relative to dir.
func xmlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".xml") {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	if len(files) == 0 {
		t.Fatalf("no XML files under %s", dir)
	}
	return files
}

// errNotLatin1Compatible: a declared non-UTF-8 charset this test does not read.
var errNotLatin1Compatible = errors.New("unsupported XML charset")

// latin1Reader is encoding/xml's CharsetReader for the ISO-8859-1 declarations of SIPp files.
func latin1Reader(charset string, input io.Reader) (io.Reader, error) {
	if !strings.EqualFold(charset, "iso-8859-1") && !strings.EqualFold(charset, "latin1") {
		return nil, fmt.Errorf("%w: %s", errNotLatin1Compatible, charset)
	}
	raw, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, b := range raw {
		out.WriteRune(rune(b))
	}
	return &out, nil
}

// element is a parsed XML element with its attributes and children.
type element struct {
	Name     string
	Attrs    map[string]string
	Children []*element
}

// walk calls fn for e and every element below it.
func (e *element) walk(fn func(*element)) {
	fn(e)
	for _, c := range e.Children {
		c.walk(fn)
	}
}

// parseXML reads a whole document strictly and returns its root element.
// FreeSWITCH's <X-PRE-PROCESS> lines are ordinary elements to encoding/xml.
func parseXML(data []byte) (*element, error) {
	if !utf8.Valid(data) && !bytes.Contains(data[:min(len(data), 100)], []byte("ISO-8859-1")) {
		return nil, errors.New("not UTF-8")
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = latin1Reader
	var root *element
	var stack []*element
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{Name: tok.Name.Local, Attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.Attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("more than one root element")
				}
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

func parseFile(t *testing.T, path string) *element {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	root, err := parseXML(data)
	if err != nil {
		t.Fatalf("%s is not well-formed XML: %v", path, err)
	}
	return root
}

// confVars returns the global variables vars.xml defines with "set" (and names "env-set" may
// override), as FreeSWITCH's pre-processor reads them.
func confVars(t *testing.T) (set map[string]string, envOverridable map[string]string) {
	t.Helper()
	root := parseFile(t, filepath.Join(confDir(t), "vars.xml"))
	set = map[string]string{}
	envOverridable = map[string]string{}
	root.walk(func(e *element) {
		if e.Name != "X-PRE-PROCESS" {
			return
		}
		name, value, ok := strings.Cut(e.Attrs["data"], "=")
		if !ok {
			return
		}
		switch e.Attrs["cmd"] {
		case "set":
			set[name] = value
		case "env-set":
			envOverridable[name] = value
		}
	})
	return set, envOverridable
}

// builtinVars are the global variables FreeSWITCH itself defines before reading the configuration.
var builtinVars = map[string]bool{
	"base_dir": true, "conf_dir": true, "log_dir": true, "run_dir": true, "db_dir": true,
	"mod_dir": true, "htdocs_dir": true, "script_dir": true, "temp_dir": true, "grammar_dir": true,
	"certs_dir": true, "storage_dir": true, "cache_dir": true, "recordings_dir": true,
	"sounds_dir": true, "hostname": true, "local_ip_v4": true, "local_ip_v6": true,
	"core_uuid": true, "switch_serial": true,
}

var preprocessVar = regexp.MustCompile(`\$\$\{([A-Za-z0-9_]+)\}`)

func TestConfXMLWellFormed(t *testing.T) {
	t.Parallel()
	dirs := []string{confDir(t), filepath.Join(repoRoot(t), "e2e", "sipp")}
	for _, dir := range dirs {
		for _, rel := range xmlFiles(t, dir) {
			path := filepath.Join(dir, rel)
			t.Run(filepath.Base(dir)+"/"+rel, func(t *testing.T) {
				t.Parallel()
				parseFile(t, path)
			})
		}
	}
}

func TestConfIncludesResolve(t *testing.T) {
	t.Parallel()
	dir := confDir(t)
	for _, rel := range xmlFiles(t, dir) {
		path := filepath.Join(dir, rel)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			parseFile(t, path).walk(func(e *element) {
				if e.Name != "X-PRE-PROCESS" || e.Attrs["cmd"] != "include" {
					return
				}
				// FreeSWITCH resolves a relative include against the including file's folder.
				pattern := filepath.Join(filepath.Dir(path), e.Attrs["data"])
				matches, err := filepath.Glob(pattern)
				if err != nil || len(matches) == 0 {
					t.Errorf("include %q matches no file (%v)", e.Attrs["data"], err)
				}
			})
		})
	}
}

func TestConfVariablesDefined(t *testing.T) {
	t.Parallel()
	set, envOverridable := confVars(t)
	for name, env := range envOverridable {
		// FreeSWITCH's env-set only reads NAME=$ENVIRONMENT_VARIABLE (the "$" is required).
		if !regexp.MustCompile(`^\$[A-Z][A-Z0-9_]*$`).MatchString(env) {
			t.Errorf("vars.xml: env-set %s=%s: the value must be $ENVIRONMENT_VARIABLE", name, env)
		}
		if _, ok := set[name]; !ok {
			t.Errorf("vars.xml: env-set %s has no default set before it", name)
		}
	}
	for _, name := range []string{
		"callforge_socket", "callforge_socket_fallback", "callforge_user_sounds",
		"callforge_recordings", "sound_prefix", "callforge_sip_ip", "callforge_sip_port",
	} {
		if set[name] == "" {
			t.Errorf("vars.xml does not set %s", name)
		}
	}
	dir := confDir(t)
	for _, rel := range xmlFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range preprocessVar.FindAllStringSubmatch(string(data), -1) {
			if _, ok := set[m[1]]; !ok && !builtinVars[m[1]] {
				t.Errorf("%s uses $${%s}, which vars.xml does not set", rel, m[1])
			}
		}
	}
}

func TestConfModules(t *testing.T) {
	t.Parallel()
	root := parseFile(t, filepath.Join(confDir(t), "autoload_configs", "modules.conf.xml"))
	var loaded []string
	root.walk(func(e *element) {
		if e.Name == "load" {
			loaded = append(loaded, e.Attrs["module"])
		}
	})
	want := []string{
		"mod_console", "mod_logfile", "mod_event_socket", "mod_sofia", "mod_loopback",
		"mod_commands", "mod_dptools", "mod_dialplan_xml", "mod_conference", "mod_sndfile",
		"mod_native_file", "mod_tone_stream", "mod_say_en", "mod_flite",
	}
	if strings.Join(loaded, " ") != strings.Join(want, " ") {
		t.Errorf("modules.conf.xml loads\n  %v\nwant\n  %v", loaded, want)
	}
}

// dialplanSocketActions returns the data of every "socket" action of the public context.
func dialplanSocketActions(t *testing.T) []string {
	t.Helper()
	var socks []string
	parseFile(t, filepath.Join(confDir(t), "dialplan", "public.xml")).walk(func(e *element) {
		if e.Name == "action" && e.Attrs["application"] == "socket" {
			socks = append(socks, e.Attrs["data"])
		}
	})
	return socks
}

func TestConfDialplanHandsCallsToCallforge(t *testing.T) {
	t.Parallel()
	got := dialplanSocketActions(t)
	want := []string{"$${callforge_socket} async full", "$${callforge_socket_fallback} async full"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("socket actions %q, want %q", got, want)
	}
	var last string
	parseFile(t, filepath.Join(confDir(t), "dialplan", "public.xml")).walk(func(e *element) {
		if e.Name == "action" {
			last = e.Attrs["application"] + " " + e.Attrs["data"]
		}
	})
	if last != "respond 503 Service Unavailable" {
		t.Errorf("last dialplan action %q, want the 503 for an unreachable callforge", last)
	}
}
