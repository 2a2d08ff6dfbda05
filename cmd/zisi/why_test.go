package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestWhy asks zisi why about each kind of decision: a shipped file and a
// shipped package (real packages from fixtures/node-deps), an omitted
// devDependency, an AWS SDK package the runtime provides, and a file
// removed by a "!" pattern; each answer names the reason and, for what
// ships, the chain back to the main file.
func TestWhy(t *testing.T) {
	t.Parallel()
	deps, err := filepath.Abs("../../fixtures/node-deps")
	if err != nil {
		t.Fatal(err)
	}
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify.toml": "[functions]\ndirectory = \"fns\"\n[functions.aws]\nincluded_files = [\"data/**\", \"!data/secret.txt\"]\n",
		"package.json": `{"name":"s","dependencies":{"@aws-sdk/client-s3":"3.0.0"}}`,
		"node_modules/@aws-sdk/client-s3/package.json": `{"name":"@aws-sdk/client-s3","version":"3.0.0"}`,
		"node_modules/@aws-sdk/client-s3/index.js":     "module.exports = {}\n",
		"data/public.txt": "public\n",
		"data/secret.txt": "secret\n",
		"fns/aws.js":      "const s3 = require('@aws-sdk/client-s3');\nexports.handler = async () => ({ statusCode: 200 });\n",
	})
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
	}{
		{"shipped file", []string{"--config", filepath.Join(deps, "netlify.toml"), "cjs-lodash", "node_modules/lodash/lodash.js"}, 0, []string{
			`node_modules/lodash/lodash.js ships with "cjs-lodash":`,
			"node_modules/lodash/lodash.js: file of a package (packages ship whole) by " + filepath.Join(deps, "node_modules/lodash"),
			"lodash@4.17.21 (" + filepath.Join(deps, "node_modules/lodash") + "): imported by " + filepath.Join(deps, "netlify/functions/lib/helper.js") + ":1",
			filepath.Join(deps, "netlify/functions/cjs-lodash.js") + ": main file",
		}},
		{"shipped package", []string{"--config", filepath.Join(deps, "netlify.toml"), "nested", "ms"}, 0, []string{
			`ms ships with "nested":`, "ms@2.1.3 (" + filepath.Join(deps, "node_modules/ms") + "): imported by " + filepath.Join(deps, "netlify/functions/nested.js"),
		}},
		{"omitted devDependency", []string{"--config", filepath.Join(deps, "netlify.toml"), "cjs-lodash", "@types/node"}, 1, []string{
			`@types/node is not in "cjs-lodash"'s archive: not shipped: ` + filepath.Join(deps, "package.json") + " lists it only in devDependencies and no file of this function imports it",
		}},
		{"AWS SDK", []string{"--config", filepath.Join(site, "netlify.toml"), "aws", "@aws-sdk/client-s3"}, 1, []string{
			`@aws-sdk/client-s3 is not in "aws"'s archive: not shipped: the Lambda runtime provides the AWS SDK`,
			"@aws-sdk/client-s3: the Lambda runtime provides the AWS SDK by " + filepath.Join(site, "fns/aws.js") + ":1",
		}},
		{"excluded by a ! pattern", []string{"--config", filepath.Join(site, "netlify.toml"), "aws", "data/secret.txt"}, 1, []string{
			`data/secret.txt is not in "aws"'s archive: not shipped: removed by a "!" pattern in included_files`,
		}},
		{"included file", []string{"--config", filepath.Join(site, "netlify.toml"), "aws", "data/public.txt"}, 0, []string{
			filepath.Join(site, "data/public.txt") + ": matched included_files",
		}},
		{"unknown function", []string{"--config", filepath.Join(site, "netlify.toml"), "nope", "x"}, 1, nil},
		{"usage", []string{"aws"}, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, append([]string{"why"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

// TestWhyJSON: the answer as JSON carries the chain with lines.
func TestWhyJSON(t *testing.T) {
	t.Parallel()
	deps, _ := filepath.Abs("../../fixtures/node-deps")
	r := run(t, "why", "--json", "--config", filepath.Join(deps, "netlify.toml"), "cjs-lodash", "lodash")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var ex struct {
		Shipped bool
		Chain   []struct {
			Path, Package, Why, Via string
			Line                    int
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &ex); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !ex.Shipped || len(ex.Chain) != 3 || ex.Chain[0].Package != "lodash@4.17.21" || ex.Chain[0].Line != 1 || ex.Chain[2].Why != "main file" {
		t.Errorf("%+v", ex)
	}
}

// TestWhyTracedPackage: a package the tracer ships file by file is found
// by name, with the chain to the main file.
func TestWhyTracedPackage(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "modern")
	r := run(t, "why", "--config", cfg, "esm-js", "ms")
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, `ms ships with "esm-js"`) || !strings.Contains(r.stdout+r.stderr, "node_modules/ms/index.js") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
