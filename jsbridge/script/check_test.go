package script

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCheckRequires(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "scripts")
	writeFile(t, root, "outside.js", "module.exports = 1")
	writeFile(t, dir, "lib/util.ts", "export const x: number = 1;")
	writeFile(t, dir, "lib/broken.js", "module.exports = (;")
	writeFile(t, dir, "node_modules/dep/index.js", "module.exports = 1")
	writeFile(t, dir, ".hidden/h.js", "module.exports = 1")
	if err := os.Symlink(filepath.Join(root, "outside.js"), filepath.Join(dir, "lib", "link.js")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "main.js", `const kv = require('kv');
const u = require('./lib/util');
const b = require('./lib/broken');
const dep = require('dep');
const dyn = require('./lib/' + kv.name);
const l = require('./lib/link');
const h = require('./.hidden/h');
const up = require('../outside');
const nope = require('nope');
function main() {}
`)
	writeFile(t, dir, "lib/sibling.js", "module.exports = require('./util.ts');")
	rep, err := Check(dir, CheckOptions{Builtins: []string{"kv"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	want := []string{
		`lib/broken.js:1:19: Unexpected ";"`,
		`main.js:6:19: require of "./lib/link" leaves the scripts directory (through a symlink)`,
		`main.js:7:19: cannot find module "./.hidden/h": no such script (.js or .ts) in the scripts directory`,
		`main.js:8:20: require of "../outside" leaves the scripts directory`,
		`main.js:9:22: cannot find module "nope": not a built-in module (kv) and not in node_modules`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%q\nwant:\n%q", got, want)
	}
	if rep.Scripts != 4 { // lib/link.js leaves the directory: not a script
		t.Errorf("Scripts = %d, want 4 (main, lib/util, lib/broken, lib/sibling)", rep.Scripts)
	}
}

func TestCheckMissingDir(t *testing.T) {
	t.Parallel()
	if _, err := Check(filepath.Join(t.TempDir(), "nope"), CheckOptions{}); err == nil {
		t.Fatal("Check of a missing directory: want an error")
	}
}
