package bundler

import (
	"errors"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestSourceValuesValidated: values from the function's own source are
// checked where they are read, each failing its function with the file
// and key: a v1 schedule() that is no cron expression, an in-source
// schedule, and a rateLimit count that would wrap around in the manifest.
func TestSourceValuesValidated(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{
		"node_modules/@netlify/functions/package.json": `{"name":"@netlify/functions","version":"1.0.0"}`,
		"node_modules/@netlify/functions/index.js":     "exports.schedule = (s, h) => h\n",
		"fns/s.js":    "const { schedule } = require('@netlify/functions');\nexports.handler = schedule('every day', async () => ({ statusCode: 200 }));\n",
		"fns/v2s.mjs": "export default async () => new Response('x');\nexport const config = { schedule: '99 * * * *' };\n",
		"fns/rl.mjs":  "export default async () => new Response('x');\nexport const config = { path: '/rl', rateLimit: { windowLimit: 1e12, windowSize: 60 } };\n",
		"fns/ok.mjs":  "export default async () => new Response('x');\nexport const config = { schedule: '@daily' };\n",
	})
	_, err := ZipFunctions(t.Context(), []string{src + "/fns"}, t.TempDir(), Options{BasePath: src})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 3 {
		t.Fatalf("got %v, want 3 failures", err)
	}
	want := map[string]string{
		"s":   `fns/s.js: schedule(): "every day" is not a cron expression`,
		"v2s": `fns/v2s.mjs: Function v2s has a configuration error on 'schedule': "99 * * * *" is not a cron expression`,
		"rl":  `fns/rl.mjs: Function rl has a configuration error on 'rateLimit.windowLimit': must be a whole number from 1 to 2147483647`,
	}
	for _, f := range be.Failures {
		if w, ok := want[f.Name]; !ok || !strings.Contains(f.Error(), w) {
			t.Errorf("%s: %v, want %q", f.Name, f, w)
		}
	}
}
