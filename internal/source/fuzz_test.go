package source

import (
	"errors"
	"testing"
)

// FuzzAnalyze: any source gives an analysis or a ConfigError, never a
// panic or a hang.
func FuzzAnalyze(f *testing.F) {
	for _, seed := range []string{
		`export default () => 1; export const config = { path: ["/a", "/b/:id"], method: "get", rateLimit: { windowLimit: 1, windowSize: 2 } }`,
		`export default { fetch() {}, [k]: 1, ...x, async *g() {}, get y() { return 1 }, config: { schedule: "@daily" } }`,
		`const { schedule } = require("@netlify/functions"); exports.handler = schedule("@daily", () => 1)`,
		"export default () => 1; export const config = { a: `t${x}`, b: /re/g, c: -1, d: !0 }",
		`export { a as default, b as "config" }`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		a, err := Analyze(src, ".mjs", "fn")
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("untyped error %v", err)
		}
		if err == nil && a == nil {
			t.Fatal("nil analysis")
		}
	})
}
