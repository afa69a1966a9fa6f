package jsbridge_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
)

// RunJob runs a script outside a call — an App, a Driver function, a routing
// decision — in the same sandbox as voice scripts, and returns what its function
// settled with as JSON, or the script's error.
func ExampleEngine_RunJob() {
	dir, _ := os.MkdirTemp("", "callforge-example-")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "dids.js"), []byte(`
module.exports = {
  search: async ({prefix}) => [{did: prefix + '0100'}, {did: prefix + '0101'}],
  release: async ({did}) => { throw new Error('409 ' + did + ' is in use'); },
};`), 0o644)
	store, _ := script.Open(dir, script.Options{})
	engine, _ := jsbridge.New(jsbridge.Config{Scripts: store})
	sc, _ := store.Get("dids")

	res, err := engine.RunJob(context.Background(), jsbridge.Job{Script: sc, Function: "search", Arg: map[string]string{"prefix": "1800555"}})
	fmt.Println(string(res.Value), err)

	_, err = engine.RunJob(context.Background(), jsbridge.Job{Script: sc, Function: "release", Arg: map[string]string{"did": "18005550100"}})
	var se *jsbridge.ScriptError
	if errors.As(err, &se) {
		fmt.Println(se.Name+":", se.Message)
	}
	// Output:
	// [{"did":"18005550100"},{"did":"18005550101"}] <nil>
	// Error: 409 18005550100 is in use
}
