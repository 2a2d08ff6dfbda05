package bundler

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestPrebuildKeepsEachFunctionsError: functions are planned in parallel
// before the build (without the build cache); a main file that does not
// parse, one whose in-source configuration is wrong, and one that is not
// a regular file (a FIFO, which reading would block on) still fail with
// their own error, and the function beside them still builds.
func TestPrebuildKeepsEachFunctionsError(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{
		"good.js":   handler,
		"broken.js": "exports.handler = async () => {;\n",
		"sched.js":  "const { schedule } = require('@netlify/functions');\nexports.handler = async () => ({ statusCode: 200 });\n",
	})
	if err := syscall.Mkfifo(filepath.Join(src, "fifo.js"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{Parallel: 2})
	if err == nil || rep == nil {
		t.Fatalf("got %v, %v; want the report and an error naming the failed functions", rep, err)
	}
	got := map[string]string{}
	for _, f := range rep.Failures {
		got[f.Name] = f.Err.Error()
	}
	for name, want := range map[string]string{"broken": "syntax", "sched": "schedule", "fifo": "not a regular file"} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: error %q, want one saying %q", name, got[name], want)
		}
	}
	if len(rep.Functions) != 1 || rep.Functions[0].Name != "good" {
		t.Errorf("built %+v, want good alone", rep.Functions)
	}
}
