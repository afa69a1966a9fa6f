package jsbridge_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/httpmod"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/voice/fstest"
)

// withKV gives the engine an embedded store in a temp dir.
func withKV(t *testing.T) (engineOpt, kv.Store) {
	t.Helper()
	s, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return func(c *jsbridge.Config) { c.KV = s }, s
}

// outOf runs script and returns what it stored in the channel variable "out".
func outOf(t *testing.T, e *engine, script string) string {
	t.Helper()
	c := e.dial(t, script, fstest.CallConfig{})
	res := e.wait(t, c)
	v, ok := c.Var("out")
	if !ok {
		t.Fatalf("%s stored no out; logs: %v", script, e.logs.lines(res.UUID))
	}
	return v
}

// outCase is the body of a main whose call stores JSON in the channel variable
// out, and the JSON it must store.
type outCase struct{ name, src, want string }

// outScripts makes one script per case, named after it.
func outScripts(tests []outCase) map[string]string {
	src := map[string]string{}
	for _, tc := range tests {
		src[tc.name+".js"] = "async function main(data, ctx) {\n" + tc.src + "\n}\n"
	}
	return src
}

// checkOuts places one call per case, in parallel, and compares out with want as JSON.
func checkOuts(t *testing.T, e *engine, tests []outCase) {
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := outOf(t, e, tc.name)
			var g, w any
			if err := json.Unmarshal([]byte(got), &g); err != nil {
				t.Fatalf("out %q: %v", got, err)
			}
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatalf("want %q: %v", tc.want, err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("out = %s\nwant  %s", got, tc.want)
			}
		})
	}
}

func TestModules(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "method": r.Method, "auth": r.Header.Get("X-Key")})
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	client, err := httpmod.New(httpmod.Options{Allow: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	kvOpt, store := withKV(t)
	tests := []outCase{
		{"kv", `const kv = require('kv');
			await kv.set('k:a', 'x'); await kv.setJSON('k:o', {n: 1}, 60);
			const n1 = await kv.incr('k:c'); const n2 = await kv.incr('k:c', 5);
			const out = [await kv.get('k:a'), (await kv.getJSON('k:o')).n, n1, n2, await kv.get('missing'), await kv.keys('k:')];
			await kv.del('k:a'); out.push(await kv.get('k:a'));
			await ctx.set('out', JSON.stringify(out));`,
			`["x",1,1,6,null,["k:a","k:c","k:o"],null]`},
		{"cxkv", `const {kv, ko, incr, keys} = require('cxKV');
			await kv.set('cx', 'v'); await ko.set('cxo', {deep: {a: [1, 2]}});
			await ctx.set('out', JSON.stringify([await kv.get('cx'), await ko.get('cxo'), await incr('cxn', 2)]));`,
			`["v",{"deep":{"a":[1,2]}},2]`},
		{"userspace", `const us = require('cxUserspace');
			await us.create('people', 'ann', {age: 30});
			let dup = ''; try { await us.create('people', 'ann', {}); } catch (e) { dup = e.code; }
			await us.update('people', 'ann', {age: 31});
			const r = await us.read('people', 'ann'); const miss = await us.read('people', 'bob');
			const list = await us.list('people'); await us.delete('people', 'ann');
			await ctx.set('out', JSON.stringify([r.age, miss, dup, list, await us.list('people')]));`,
			`[31,null,"EEXIST",[{"key":"ann","value":{"age":31}}],[]]`},
		{"http", `const http = require('http');
			const r = await http.get('` + srv.URL + `/a', {headers: {'X-Key': 'k1'}});
			const j = await http.postJSON('` + srv.URL + `/b', {x: 1});
			let denied = ''; try { await http.get('http://example.invalid/'); } catch (e) { denied = e.code; }
			await ctx.set('out', JSON.stringify([r.status, r.json().path, r.json().auth, j.method, denied]));`,
			`[200,"/a","k1","POST","EPERM"]`},
		{"require-file", `const lib = require('./lib/util'); await ctx.set('out', JSON.stringify([lib.greet('bo'), lib.count()]));`,
			`["hi bo",1]`},
		{"require-refused", `const out = [];
			for (const m of ['fs', 'child_process', 'net', 'node:fs', 'cxRest', 'moment', '../../etc/passwd', './nope']) {
				try { require(m); out.push('loaded ' + m); } catch (e) { out.push(e.code); }
			}
			await ctx.set('out', JSON.stringify(out));`,
			`["EPERM","EPERM","EPERM","EPERM","MODULE_NOT_FOUND","MODULE_NOT_FOUND","EPERM","MODULE_NOT_FOUND"]`},
		{"process-env", `await ctx.set('out', JSON.stringify([process.env.REGION, process.env.HOME, typeof process.exit, typeof process.binding]));`,
			`["eu-1",null,"undefined","undefined"]`},
		{"core-modules", `const util = require('util'); const {URL} = require('url'); const {Buffer} = require('buffer');
			await ctx.set('out', JSON.stringify([util.format('%s-%d', 'a', 2), new URL('https://x.test/p?q=1').searchParams.get('q'), Buffer.from('hi').toString('base64')]));`,
			`["a-2","1","aGk="]`},
	}
	src := outScripts(tests)
	src["lib/util.js"] = `let n = 0; module.exports = { greet: (x) => 'hi ' + x, count: () => ++n };`
	e := startEngine(t, src, kvOpt, func(c *jsbridge.Config) {
		c.HTTP = client
		c.ScriptEnv = map[string]string{"REGION": "eu-1"}
	})
	checkOuts(t, e, tests)
	_ = store
}
