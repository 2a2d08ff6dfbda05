package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestCancelEsbuild: an esbuild bundle of 100 files of 200 kB (seconds of
// esbuild's work) stops with context.Canceled within 2 s of a cancel
// 100 ms in: esbuild's build is cancelled, not waited for.
func TestCancelEsbuild(t *testing.T) {
	if testing.Short() {
		t.Skip("bundles 20 MB")
	}
	t.Parallel()
	files := map[string]string{"package.json": `{"name":"site"}`}
	var imports strings.Builder
	var body strings.Builder
	for j := range 2300 {
		fmt.Fprintf(&body, "export function f%d(a, b) { return a.b(c[d], `e${f}`) + /g+/.test(h) ? {i: 1} : [j]; }\n", j)
	}
	for i := range 100 {
		fmt.Fprintf(&imports, "import * as m%d from './lib/m%d.js'\nconsole.log(m%d)\n", i, i, i)
		files[fmt.Sprintf("lib/m%d.js", i)] = body.String()
	}
	files["big.ts"] = imports.String() + "export const handler = async () => ({ statusCode: 200 })\n"
	site := testfs.Site(t, files)
	fn := discover.Function{Name: "big", MainFile: filepath.Join(site, "big.ts"), SrcDir: site, SrcPath: filepath.Join(site, "big.ts"),
		Filename: "big.ts", Extension: ".ts", Runtime: discover.RuntimeJS, Kind: discover.KindFile}
	ctx, cancel := context.WithCancel(t.Context())
	var cancelled time.Time
	timer := time.AfterFunc(100*time.Millisecond, func() {
		cancelled = time.Now()
		cancel()
	})
	defer timer.Stop()
	_, err := Build(ctx, Input{Function: fn, Config: config.FunctionConfig{NodeBundler: config.BundlerEsbuild}, Env: NewEnv(site)})
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if took := returned.Sub(cancelled); took > 2*time.Second && !raceEnabled {
		t.Errorf("returned %v after the cancel", took)
	}
}
