package bundler

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
)

// prismaSite is shaped as `prisma generate` leaves a site: @prisma/client
// requires the generated client by the bare name .prisma/client, which is
// the package at node_modules/.prisma/client (the .prisma folder itself
// has no package.json).
var prismaSite = map[string]string{
	"package.json": `{"name":"site","dependencies":{"@prisma/client":"5.22.0"}}`,
	"node_modules/@prisma/client/package.json":  `{"name":"@prisma/client","version":"5.22.0","main":"index.js"}`,
	"node_modules/@prisma/client/index.js":      "module.exports = { ...require('.prisma/client/default') }\n",
	"node_modules/.prisma/client/package.json":  `{"name":".prisma/client","main":"index.js"}`,
	"node_modules/.prisma/client/index.js":      "class PrismaClient { hello() { return 'from ' + require('path').basename(__dirname) } }\nmodule.exports = { PrismaClient }\n",
	"node_modules/.prisma/client/default.js":    "module.exports = { ...require('./index.js') }\n",
	"node_modules/.prisma/client/schema.prisma": "generator client { provider = \"prisma-client-js\" }\n",
	"fns/via-client.js":                         "const { PrismaClient } = require('@prisma/client');\nexports.handler = async () => ({ statusCode: 200, body: new PrismaClient().hello() });\n",
	"fns/direct.js":                             "const { PrismaClient } = require('.prisma/client');\nexports.handler = async () => ({ statusCode: 200, body: new PrismaClient().hello() });\n",
	// Node's ESM resolver refuses a package name that starts with a dot,
	// so a v2 function reaches the client by require, as @prisma/client
	// itself does.
	"fns/direct-v2.cjs":     "const { PrismaClient } = require('.prisma/client');\nmodule.exports.default = async () => new Response(new PrismaClient().hello());\n",
	"fns/via-client-v2.mjs": "import { PrismaClient } from '@prisma/client';\nexport default async () => new Response(new PrismaClient().hello());\n",
}

// TestPrismaGeneratedClient: `.prisma/client` is a package, not a path,
// for every bundler; the archives ship the generated client and their
// handlers answer in node.
func TestPrismaGeneratedClient(t *testing.T) {
	t.Parallel()
	for _, bundler := range []string{"zisi", "esbuild", "nft"} {
		t.Run(bundler, func(t *testing.T) {
			t.Parallel()
			site := t.TempDir()
			testfs.Write(t, site, prismaSite)
			out := t.TempDir()
			cfg := config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{NodeBundler: bundler}}}}
			rep, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, out, Options{Config: &cfg, BasePath: site})
			if err != nil {
				t.Fatal(err)
			}
			for _, fn := range rep.Functions {
				names := zipNames(t, fn.Path)
				if !slices.Contains(names, "node_modules/.prisma/client/index.js") {
					t.Errorf("%s (%s) lacks the generated client: %q", fn.Name, fn.Bundler, names)
				}
			}
			results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 4 {
				t.Fatalf("verified %d functions, want 4", len(results))
			}
			for _, r := range results {
				want := "from client"
				if bundler == "esbuild" && r.Name == "direct" {
					// esbuild inlines a package it is not told to keep
					// external, as the reference's does; only
					// @prisma/client is external (with .prisma shipped).
					want = "from fns"
				}
				if !r.OK || r.StatusCode != 200 || r.Body != want {
					t.Errorf("%s: ok=%v status %d body %q error %s", r.Name, r.OK, r.StatusCode, r.Body, r.Error)
				}
			}
		})
	}
}

// TestDotFolderWithoutPackageJSON: an older generated client has no
// package.json in node_modules/.prisma/client; the zisi bundler ships the
// file Node.js loads from it and follows its imports, and it loads.
func TestDotFolderWithoutPackageJSON(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	files := maps.Clone(prismaSite)
	delete(files, "node_modules/.prisma/client/package.json")
	files["node_modules/.prisma/client/index.js"] = "const { join } = require('./util');\nclass PrismaClient { hello() { return join('from', 'client') } }\nmodule.exports = { PrismaClient }\n"
	files["node_modules/.prisma/client/util.js"] = "exports.join = (a, b) => a + ' ' + b;\n"
	files["only/direct.js"] = files["fns/direct.js"]
	testfs.Write(t, site, files)
	out := t.TempDir()
	cfg := config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{NodeBundler: "zisi"}}}}
	if _, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "only")}, out, Options{Config: &cfg, BasePath: site}); err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, filepath.Join(out, "direct.zip"))
	for _, want := range []string{"node_modules/.prisma/client/index.js", "node_modules/.prisma/client/util.js"} {
		if !slices.Contains(names, want) {
			t.Errorf("direct.zip lacks %s: %q", want, names)
		}
	}
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].StatusCode != 200 || results[0].Body != "from client" {
		t.Errorf("%+v", results)
	}
}
