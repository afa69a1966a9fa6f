package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The deliberately broken set is reported exactly, one line per problem.
func TestCheckBroken(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCommand(checkCmd, "testdata/broken")
	want := []string{
		`testdata/broken/escape.js:2:24: require of "../secret/keys" leaves the scripts directory`,
		`testdata/broken/escape.js:3:20: require of absolute path "/etc/callforge/config.js": scripts may only require files inside the scripts directory, by relative path`,
		`testdata/broken/syntax.js:4:36: Expected ")" but found ";"`,
		`testdata/broken/typed.ts:3:27: Unexpected "="`,
		`testdata/broken/unknown-require.js:6:24: cannot find module "phone-format": not a built-in module (kv, cxKV, cxUserspace, http, console, url, util, buffer) and not in node_modules`,
		`testdata/broken/unknown-require.js:7:25: cannot find module "./lib/missing": no such script (.js or .ts) in the scripts directory`,
	}
	if got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"); !slices.Equal(got, want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, strings.Join(want, "\n"))
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if want := "callforge check: 6 problems in 4 of 5 scripts\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}

// The examples repository, the docs samples and the built-in scripts all pass.
func TestCheckGoodDirs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir       string
		wantCount int
	}{
		{"../../examples", 7}, // 3 voice scripts and examples/kinds
		{"../../docs/examples", 11},
		{"../../scripts", 4},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCommand(checkCmd, tt.dir)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if want := strconv.Itoa(tt.wantCount) + " scripts OK\n"; stdout != want {
				t.Errorf("stdout %q, want %q", stdout, want)
			}
		})
	}
}

// exampleMarker precedes every JavaScript/TypeScript sample in docs/*.md and
// names the file it quotes.
var (
	exampleMarker = regexp.MustCompile(`^<!-- example: (\S+) -->$`)
	fenceOpen     = regexp.MustCompile("^```(\\w*)$")
)

// Every JS/TS code sample of the docs is a file under docs/examples, quoted
// verbatim, and every file there is quoted somewhere: what the docs show is
// what TestCheckGoodDirs compiles and TestTypecheckExamples typechecks.
func TestDocsQuoteExamples(t *testing.T) {
	t.Parallel()
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs found: %v", err)
	}
	quoted := map[string]bool{}
	for _, doc := range docs {
		src, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(src), "\n")
		for i := 0; i < len(lines); i++ {
			m := fenceOpen.FindStringSubmatch(lines[i])
			if m == nil {
				continue
			}
			end := i + 1
			for end < len(lines) && lines[end] != "```" {
				end++
			}
			body := strings.Join(lines[i+1:end], "\n") + "\n"
			lang := m[1]
			if lang == "js" || lang == "ts" || lang == "javascript" || lang == "typescript" {
				var mk []string
				if i > 0 {
					mk = exampleMarker.FindStringSubmatch(lines[i-1])
				}
				if mk == nil {
					t.Errorf("%s:%d: a %s sample without an <!-- example: FILE --> marker", doc, i+1, lang)
				} else {
					file := filepath.Join("../../docs", filepath.FromSlash(mk[1]))
					want, err := os.ReadFile(file)
					switch {
					case err != nil:
						t.Errorf("%s:%d: %v", doc, i+1, err)
					case string(want) != body:
						t.Errorf("%s:%d: the sample differs from %s", doc, i+1, mk[1])
					}
					quoted[filepath.Clean(file)] = true
				}
			}
			i = end
		}
	}
	err = filepath.WalkDir("../../docs/examples", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".js" || ext == ".ts") && !quoted[filepath.Clean(p)] {
			t.Errorf("%s is not quoted by any doc", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTypecheckExamples runs tsc over the example repository and the docs
// samples against callforge.d.ts. With CI=true it installs TypeScript first
// (e2e/setup/tsc.sh); otherwise it runs when that install is already there.
func TestTypecheckExamples(t *testing.T) {
	t.Parallel()
	tsc := "../../.cache/tsc/node_modules/typescript/bin/tsc"
	if os.Getenv("CI") == "true" {
		out, err := exec.Command("../../e2e/setup/tsc.sh").Output()
		if err != nil {
			t.Fatalf("e2e/setup/tsc.sh: %v", err)
		}
		tsc = strings.TrimSpace(string(out))
	} else if _, err := os.Stat(tsc); err != nil {
		t.Skip("TypeScript is not installed: run e2e/setup/tsc.sh (CI=true does it)")
	}
	for _, project := range []string{"examples", "docs/examples"} {
		t.Run(project, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(tsc, "--noEmit", "-p", filepath.Join("../..", project)).CombinedOutput()
			if err != nil {
				t.Errorf("tsc --noEmit -p %s: %v\n%s", project, err, out)
			}
		})
	}
}
