package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
)

// hugeSite is a site with a directory function of 100000 files and a
// package of 100000 more, in 100 folders each.
func hugeSite() fstest.MapFS {
	fsys := fstest.MapFS{
		"site/package.json":                   mapFile(`{"name":"site","dependencies":{"huge":"1.0.0"}}`),
		"site/fns/many/many.js":               mapFile("exports.handler = async () => ({ statusCode: 200 })\n"),
		"site/fns/pkg.js":                     mapFile("require('huge')\nexports.handler = async () => ({ statusCode: 200 })\n"),
		"site/node_modules/huge/package.json": mapFile(`{"name":"huge","version":"1.0.0"}`),
		"site/node_modules/huge/index.js":     mapFile("module.exports = 1\n"),
	}
	for _, dir := range []string{"site/fns/many", "site/node_modules/huge"} {
		for d := range 100 {
			for f := range 1000 {
				fsys[fmt.Sprintf("%s/d%02d/f%04d.txt", dir, d, f)] = mapFile("x")
			}
		}
	}
	return fsys
}

// countingFS counts the directory entries listed after stop is set: the
// work a walk does (a whole walk of hugeSite lists over 100000).
type countingFS struct {
	fstest.MapFS
	stop  atomic.Bool
	after atomic.Int64
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := c.MapFS.ReadDir(name)
	if c.stop.Load() {
		c.after.Add(int64(len(entries)))
	}
	return entries, err
}

// TestCancelHugeWalks: bundling a function whose folder, or whose
// package, holds 100000 files stops with context.Canceled soon after a
// cancel 100 ms in: it lists at most a few folders more (10000 entries of
// the 100000 a whole walk lists), however fast the machine is.
func TestCancelHugeWalks(t *testing.T) {
	t.Parallel()
	fsys := &countingFS{MapFS: hugeSite()}
	for _, fn := range []discover.Function{
		{Name: "many", MainFile: "/site/fns/many/many.js", SrcDir: "/site/fns/many", SrcPath: "/site/fns/many",
			Filename: "many", Extension: ".js", Runtime: discover.RuntimeJS, Kind: discover.KindDir},
		{Name: "pkg", MainFile: "/site/fns/pkg.js", SrcDir: "/site/fns", SrcPath: "/site/fns/pkg.js",
			Filename: "pkg.js", Extension: ".js", Runtime: discover.RuntimeJS, Kind: discover.KindFile},
	} {
		env := NewEnvFS(fsys, "/site")
		ctx, cancel := context.WithCancel(t.Context())
		var cancelled time.Time
		fsys.stop.Store(false)
		fsys.after.Store(0)
		timer := time.AfterFunc(100*time.Millisecond, func() {
			cancelled = time.Now()
			fsys.stop.Store(true)
			cancel()
		})
		_, err := Build(ctx, Input{Function: fn, Config: config.FunctionConfig{}, Env: env})
		returned := time.Now()
		timer.Stop()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: got %v, want context.Canceled", fn.Name, err)
		}
		if n := fsys.after.Load(); n > 10000 {
			t.Errorf("%s: %d entries listed after the cancel (returned %v after it)", fn.Name, n, returned.Sub(cancelled))
		}
	}
}
