package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
)

// linkTree makes files under root as hard links to one small file
// (quicker to make than files, and regular files all the same).
func linkTree(b *testing.B, root string, names []string) {
	b.Helper()
	src := filepath.Join(b.TempDir(), "src.txt")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, name := range names {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.Link(src, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTreeFiles: listing a directory function's folder on disk,
// wide (5000 and 50000 files in 50 folders) and deep (a folder chain 50
// and 500 levels deep, a file at each level); ten times a real site at
// the larger sizes. Linear in the files and folders.
func BenchmarkTreeFiles(b *testing.B) {
	type shape struct {
		name  string
		files []string
	}
	var shapes []shape
	for _, n := range []int{5000, 50000} {
		var files []string
		for i := range n {
			files = append(files, fmt.Sprintf("d%02d/f%05d.txt", i%50, i))
		}
		shapes = append(shapes, shape{fmt.Sprintf("wide/%d", n), files})
	}
	for _, depth := range []int{50, 500} {
		var files []string
		for i := range depth {
			files = append(files, strings.Repeat("d/", i)+"f.txt")
		}
		shapes = append(shapes, shape{fmt.Sprintf("deep/%d", depth), files})
	}
	for _, sh := range shapes {
		root := b.TempDir()
		linkTree(b, root, sh.files)
		b.Run(sh.name, func(b *testing.B) {
			for b.Loop() {
				files, err := TreeFiles(b.Context(), NewEnv(root).Resolver, root)
				if err != nil {
					b.Fatal(err)
				}
				if len(files) != len(sh.files) {
					b.Fatalf("%d files", len(files))
				}
			}
		})
	}
}

// localGraph is a site whose function requires 1 file of n, each file
// requiring the next and one further on (a chain with cross links).
func localGraph(n int) fstest.MapFS {
	fsys := fstest.MapFS{
		"site/package.json": mapFile(`{"name":"site"}`),
		"site/fns/main.js":  mapFile("require('./lib/f0.js')\nexports.handler = async () => ({ statusCode: 200 })\n"),
	}
	for i := range n {
		src := fmt.Sprintf("require('./f%d.js')\nrequire('./f%d.js')\nmodule.exports = %d\n", (i+1)%n, (i*7+3)%n, i)
		fsys[fmt.Sprintf("site/fns/lib/f%d.js", i)] = mapFile(src)
	}
	return fsys
}

// BenchmarkLocalGraph: the zisi bundler over a graph of 2000 and 20000
// local files (ten times a large function at the larger size), on an
// in-memory site. Each op is a fresh build.
func BenchmarkLocalGraph(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		fsys := localGraph(n)
		fn := discover.Function{Name: "main", MainFile: "/site/fns/main.js", SrcDir: "/site/fns", SrcPath: "/site/fns/main.js",
			Filename: "main.js", Extension: ".js", Runtime: discover.RuntimeJS, Kind: discover.KindFile}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				bundle, err := Build(b.Context(), Input{Function: fn, Config: config.FunctionConfig{NodeBundler: config.BundlerZisi}, Env: NewEnvFS(fsys, "/site")})
				if err != nil {
					b.Fatal(err)
				}
				if len(bundle.SrcFiles) != n+1 {
					b.Fatalf("%d files", len(bundle.SrcFiles))
				}
			}
		})
	}
}
