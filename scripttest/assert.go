package scripttest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/dop251/goja"
)

// assert runs one t.<op>(args...) and returns the failure text when it fails.
func assert(vm *goja.Runtime, op string, args []goja.Value) (string, bool) {
	arg := func(i int) goja.Value {
		if i < len(args) && args[i] != nil {
			return args[i]
		}
		return goja.Undefined()
	}
	note := func(i int) string {
		if m := arg(i); !goja.IsUndefined(m) {
			return ": " + m.String()
		}
		return ""
	}
	actual, expected := arg(0), arg(1)
	switch op {
	case "ok":
		if actual.ToBoolean() {
			return "", true
		}
		return fmt.Sprintf("ok%s\n    value: %s", note(1), compact(actual)), false
	case "notOk":
		if !actual.ToBoolean() {
			return "", true
		}
		return fmt.Sprintf("notOk%s\n    value: %s", note(1), compact(actual)), false
	case "fail":
		return "fail" + note(0), false
	case "equal":
		if actual.StrictEquals(expected) {
			return "", true
		}
		return fmt.Sprintf("equal%s\n    expected: %s\n    actual:   %s", note(2), compact(expected), compact(actual)), false
	case "notEqual":
		if !actual.StrictEquals(expected) {
			return "", true
		}
		return fmt.Sprintf("notEqual%s\n    both: %s", note(2), compact(actual)), false
	case "deepEqual", "notDeepEqual":
		a, e := normalize(actual.Export()), normalize(expected.Export())
		same := reflect.DeepEqual(a, e)
		if op == "deepEqual" && !same {
			return fmt.Sprintf("deepEqual%s\n    - expected\n    + actual\n%s", note(2), indent(lineDiff(pretty(e), pretty(a)), "    ")), false
		}
		if op == "notDeepEqual" && same {
			return fmt.Sprintf("notDeepEqual%s\n    both: %s", note(2), compact(actual)), false
		}
		return "", true
	case "match", "notMatch":
		hit, err := matches(vm, actual, expected)
		if err != nil {
			return op + ": " + err.Error(), false
		}
		if hit == (op == "match") {
			return "", true
		}
		verb := "matches"
		if op == "match" {
			verb = "does not match"
		}
		return fmt.Sprintf("%s%s\n    pattern: %s\n    %s:\n%s", op, note(2), compact(expected), verb, indent(pretty(normalize(actual.Export())), "        ")), false
	case "includes":
		list, ok := normalize(actual.Export()).([]any)
		if !ok {
			return "includes: the first argument is not an array", false
		}
		want := normalize(expected.Export())
		for _, x := range list {
			if reflect.DeepEqual(x, want) {
				return "", true
			}
		}
		return fmt.Sprintf("includes%s\n    missing: %s\n    in:\n%s", note(2), compact(expected), indent(pretty(list), "        ")), false
	}
	return "unknown assertion " + op, false
}

// matches tests a string, or any string of an array, against a RegExp (or a
// substring).
func matches(vm *goja.Runtime, actual, pattern goja.Value) (bool, error) {
	var test func(string) bool
	if o, ok := pattern.(*goja.Object); ok && o.ClassName() == "RegExp" {
		fn, _ := goja.AssertFunction(o.Get("test"))
		test = func(s string) bool {
			o.Set("lastIndex", 0)
			v, err := fn(o, vm.ToValue(s))
			return err == nil && v.ToBoolean()
		}
	} else if goja.IsUndefined(pattern) {
		return false, fmt.Errorf("missing pattern (a RegExp or a string)")
	} else {
		sub := pattern.String()
		test = func(s string) bool { return strings.Contains(s, sub) }
	}
	switch v := actual.Export().(type) {
	case string:
		return test(v), nil
	case []any:
		for _, x := range v {
			if test(fmt.Sprint(x)) {
				return true, nil
			}
		}
		return false, nil
	case []string:
		for _, x := range v {
			if test(x) {
				return true, nil
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("the value is neither a string nor an array of strings: %s", compact(actual))
}

// normalize turns exported JS values into comparable Go values: numbers as
// float64, arrays as []any, objects as map[string]any.
func normalize(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	}
	return v
}

func compact(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if o, ok := v.(*goja.Object); ok && (o.ClassName() == "RegExp" || o.ClassName() == "Function") {
		return o.String()
	}
	return oneLine(normalize(v.Export()))
}

func oneLine(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// pretty renders a value one element per line (arrays and objects at the top
// level; nested values compact), for diffs.
func pretty(v any) []string {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return []string{"[]"}
		}
		out := []string{"["}
		for _, e := range x {
			out = append(out, "  "+oneLine(e)+",")
		}
		return append(out, "]")
	case map[string]any:
		if len(x) == 0 {
			return []string{"{}"}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := []string{"{"}
		for _, k := range keys {
			out = append(out, fmt.Sprintf("  %s: %s,", oneLine(k), oneLine(x[k])))
		}
		return append(out, "}")
	}
	return []string{oneLine(v)}
}

// lineDiff is a longest-common-subsequence diff of two line lists: "  " same,
// "- " only in want, "+ " only in got.
func lineDiff(want, got []string) []string {
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case want[i] == got[j]:
			out = append(out, "  "+want[i])
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, "- "+want[i])
			i++
		default:
			out = append(out, "+ "+got[j])
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, "- "+want[i])
	}
	for ; j < m; j++ {
		out = append(out, "+ "+got[j])
	}
	return out
}

func indent(lines []string, by string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(by + l)
	}
	return b.String()
}

// formatValues joins console/t.log arguments: strings as they are, the rest
// as JSON.
func formatValues(args []goja.Value) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if a != nil {
			if s, ok := a.Export().(string); ok {
				parts[i] = s
				continue
			}
		}
		parts[i] = compact(a)
	}
	return strings.Join(parts, " ")
}

// describeValue renders a thrown value: "Name: message" for errors.
func describeValue(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
			name := "Error"
			if n := o.Get("name"); n != nil && !goja.IsUndefined(n) {
				name = n.String()
			}
			return name + ": " + m.String()
		}
	}
	return compact(v)
}
