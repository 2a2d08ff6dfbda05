package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func parse(t *testing.T, toml string) (*File, error) {
	t.Helper()
	return Parse(filepath.Join("/site", "netlify.toml"), []byte(toml))
}

func TestParseMergesBySpecificity(t *testing.T) {
	t.Parallel()
	// The reference's §4.1 example: keys *, net*, netlify*, netlify.
	f, err := parse(t, `
[functions]
directory = "fns"
external_node_modules = ["a"]
included_files = ["star/**"]
name = "from star"

[functions."netlify*"]
name = "from netlify*"
timeout = 10

[functions.netlify]
name = "from netlify"
external_node_modules = ["b"]

[functions."net*"]
name = "from net*"
included_files = ["net/**"]
node_bundler = "esbuild"
`)
	if err != nil {
		t.Fatal(err)
	}
	if f.FunctionsDirectory != filepath.Join("/site", "fns") {
		t.Errorf("directory = %q", f.FunctionsDirectory)
	}
	got := f.Functions.ForFunction("netlify")
	if got.Name != "from netlify" {
		t.Errorf("name = %q: the heaviest key wins scalars", got.Name)
	}
	if !slices.Equal(got.ExternalNodeModules, []string{"a", "b"}) {
		t.Errorf("externalNodeModules = %q: arrays concatenate lightest first", got.ExternalNodeModules)
	}
	if !slices.Equal(got.IncludedFiles, []string{"star/**", "net/**"}) || got.IncludedFilesBasePath != "/site" {
		t.Errorf("includedFiles = %q base %q", got.IncludedFiles, got.IncludedFilesBasePath)
	}
	if got.Timeout != 10 || got.NodeBundler != BundlerEsbuildZisi {
		t.Errorf("timeout %d bundler %q: unset scalars in heavier keys keep lighter values; esbuild means esbuild_zisi", got.Timeout, got.NodeBundler)
	}
	if other := f.Functions.ForFunction("other"); other.Name != "from star" || other.Timeout != 0 {
		t.Errorf("other = %+v", other)
	}
	if dot := f.Functions.ForFunction(".hidden"); dot.Name != "" {
		t.Errorf(".hidden matched * (%+v): a bare * must not match a leading dot", dot)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		toml, want string
	}{
		{"[functions.\"api-*\"]\nnode_bundler = \"webpack\"\n", `/site/netlify.toml:2:1: functions."api-*".node_bundler: "webpack" is not one of zisi, esbuild, nft, none`},
		{"[functions]\nnode_bundler = 3\n", `/site/netlify.toml:2:1: functions.node_bundler: 3 is not one of zisi, esbuild, nft, none`},
		{"[functions]\nzip_size_limit = \"big\"\n", `/site/netlify.toml:2:1: functions.zip_size_limit: must be a number of MB or a size such as "2gb", got "big"`},
		{"[functions.\"go-*\"]\ngo_arch = \"386\"\n", `/site/netlify.toml:2:1: functions."go-*".go_arch: "386" is not one of amd64, arm64`},
		{"[functions]\nexternal_node_modules = \"x\"\n", `functions.external_node_modules: must be an array of strings, got a string`},
		{"[functions]\nincluded_files = [\"a\", 1]\n", `functions.included_files: element 1 must be a string, got an integer`},
		{"[functions.x]\ntimeout = -1\n", `/site/netlify.toml:2:1: functions.x.timeout: must be a positive whole number of seconds, got -1`},
		{"[functions.x]\nmemory = \"lots\"\n", `functions.x.memory: must be a number of MB or a size such as "2gb", got "lots"`},
		{"[functions.x]\nvcpu = 4\n", `functions.x.vcpu: must be a number between 0.5 and 2, got 4`},
		{"[functions.x]\nbackground = \"yes\"\n", `functions.x.background: must be true or false, got a string`},
		{"[functions]\ndirectory = 5\n", `functions.directory: must be a string, got an integer`},
		{"functions = 5\n", `/site/netlify.toml:1:1: functions: must be a table, got an integer`},
		{"[functions\nx = 1\n", `/site/netlify.toml:1:11: syntax error:`},
		{"[functions]\nname = \"a\"\nname = \"b\"\n", `/site/netlify.toml:3:1: syntax error:`},
	}
	for _, tc := range cases {
		_, err := parse(t, tc.toml)
		var ce *Error
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: got %v, want a *config.Error", tc.toml, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %s\n want %s", tc.toml, err, tc.want)
		}
	}
}

func TestParseWarnsOnUnknownKeys(t *testing.T) {
	t.Parallel()
	f, err := parse(t, `
[functions]
node_bundlr = "zisi"

[functions."api-*"]
timout = 5
deno_import_map = "x.json"
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range f.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		`/site/netlify.toml:3: functions.node_bundlr: unknown key, ignored; did you mean "node_bundler"?`,
		`/site/netlify.toml:6: functions."api-*".timout: unknown key, ignored; did you mean "timeout"?`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got  %q\n want %q", got, want)
	}
}

func TestParseSuggestsKnownKeys(t *testing.T) {
	t.Parallel()
	f, err := parse(t, `
[functions]
external_node_module = ["sharp"]
directry = "fns"
frobnicate = 1

[functions."api-*"]
included_file = ["data/**"]
nodebundler = "esbuild"
completely_unknown = true
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range f.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		`/site/netlify.toml:4: functions.directry: unknown key, ignored; did you mean "directory"?`,
		`/site/netlify.toml:3: functions.external_node_module: unknown key, ignored; did you mean "external_node_modules"?`,
		`/site/netlify.toml:5: functions.frobnicate: unknown key, ignored (a function pattern must be a table such as [functions."frobnicate"])`,
		`/site/netlify.toml:10: functions."api-*".completely_unknown: unknown key, ignored`,
		`/site/netlify.toml:8: functions."api-*".included_file: unknown key, ignored; did you mean "included_files"?`,
		`/site/netlify.toml:9: functions."api-*".nodebundler: unknown key, ignored; did you mean "node_bundler"?`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got  %q\n want %q", got, want)
	}
}

func TestParseWarnsOnNearMissTables(t *testing.T) {
	t.Parallel()
	f, err := parse(t, `functons = "fns"
[function]
node_bundler = "esbuild"

[Functions."api-*"]
timeout = 5

[funtions]
directory = "x"

[buld]
command = "make"

[functions]
node_bundler = "zisi"

[[redirects]]
from = "/a"
to = "/b"

[[headers]]
for = "/*"

[context.production]
command = "make"

[dev]
port = 8888

[[plugins]]
package = "@netlify/plugin-x"

[[edge_functions]]
path = "/edge"
function = "edge"

[images]
remote_images = []

[template]
incoming-hooks = []

[[integrations]]
name = "x"

[split_tests]
x = 1

[database]
x = 1

[edge_function]
x = 1

[fnctns]
x = 1

[lambda]
x = 1
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range f.Warnings {
		got = append(got, w.String())
	}
	// Netlify's own tables are never flagged, nor tables near none of
	// [functions] and [build]; the line is the table's.
	want := []string{
		`/site/netlify.toml:1: functons: unknown key, ignored by zisi and Netlify; did you mean [functions]?`,
		`/site/netlify.toml:2: function: unknown table, ignored by zisi and Netlify; did you mean [functions]?`,
		`/site/netlify.toml:5: Functions: unknown table, ignored by zisi and Netlify; did you mean [functions]?`,
		`/site/netlify.toml:8: funtions: unknown table, ignored by zisi and Netlify; did you mean [functions]?`,
		`/site/netlify.toml:11: buld: unknown table, ignored by zisi and Netlify; did you mean [build]?`,
		`/site/netlify.toml:55: fnctns: unknown table, ignored by zisi and Netlify; did you mean [functions]?`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got  %q\n want %q", got, want)
	}
	if len(f.Functions.Patterns) != 1 {
		t.Errorf("patterns %+v: only [functions] configures functions", f.Functions.Patterns)
	}
}

func TestParseWarnsOnNearMissBuildKeys(t *testing.T) {
	t.Parallel()
	for toml, want := range map[string][]string{
		"[build]\nfunctons = \"fns\"\ncommand = \"make\"\npublish = \"dist\"\n": {`/site/netlify.toml:2: build.functons: unknown key, ignored by zisi and Netlify; did you mean "functions"?`},
		"[Build]\nFunction = \"fns\"\n":                                         {`/site/netlify.toml:2: Build.Function: unknown key, ignored by zisi and Netlify; did you mean "functions"?`},
		"[build]\nedge_functions = \"e\"\nFunctions = \"f\"\n":                  nil,
		"[build]\n\"\" = 1\nbase = \"x\"\n":                                     nil,
	} {
		f, err := parse(t, toml)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range f.Warnings {
			got = append(got, w.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: warnings %q, want %q", toml, got, want)
		}
	}
}

func TestParseCapitalisedBuild(t *testing.T) {
	t.Parallel()
	// Netlify's configuration accepts [Build] and Functions.
	for _, toml := range []string{"[Build]\nfunctions = \"fns\"\n", "[build]\nFunctions = \"fns\"\n", "[Build]\nFunctions = \"fns\"\n"} {
		f, err := parse(t, toml)
		if err != nil {
			t.Fatal(err)
		}
		if f.FunctionsDirectory != "/site/fns" || len(f.Warnings) != 0 {
			t.Errorf("%q: directory %q, warnings %v", toml, f.FunctionsDirectory, f.Warnings)
		}
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	f, err := parse(t, `
[build]
functions = "legacy"

[functions.schedule]
schedule = "@daily"

[functions."x-*"]
memory = "2gb"
node_version = 20
vcpu = 1.5
background = true
region = "iad"
generator = "gen@1.0.0"
node_sourcemap = true
`)
	if err != nil {
		t.Fatal(err)
	}
	if f.FunctionsDirectory != filepath.Join("/site", "legacy") {
		t.Errorf("legacy [build] functions: %q", f.FunctionsDirectory)
	}
	// A table whose keys are all properties names a function literally.
	if got := f.Functions.ForFunction("schedule").Schedule; got != "@daily" {
		t.Errorf("[functions.schedule] schedule = %q", got)
	}
	x := f.Functions.ForFunction("x-1")
	if x.Memory != 2048 || x.NodeVersion != "20" || x.Vcpu != 1.5 || x.Background == nil || !*x.Background ||
		x.Region != "iad" || x.Generator != "gen@1.0.0" || x.NodeSourcemap == nil || !*x.NodeSourcemap {
		t.Errorf("x-1 = %+v", x)
	}
}

func TestParseMemory(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"1024": 1024, "2gb": 2048, " 1.5GB ": 1536, "1024mb": 1024, "2 Gb": 2048} {
		if got, ok := ParseMemory(in); !ok || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "1.5", "-1", "1tb", "NaN"} {
		if got, ok := ParseMemory(in); ok {
			t.Errorf("ParseMemory(%q) = %d, want failure", in, got)
		}
	}
}

func TestNodeMajor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"18": 18, "18.x": 18, "v22.1.0": 22, "nodejs20.x": 20, "latest": DefaultNodeMajor, "": DefaultNodeMajor} {
		if got := NodeMajorOrDefault(in); got != want {
			t.Errorf("NodeMajorOrDefault(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestSizeLimitKeys(t *testing.T) {
	t.Parallel()
	f, err := Parse("/site/netlify.toml", []byte("[functions]\nzip_size_limit = \"1gb\"\nunzipped_size_limit = 300\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Functions.ForFunction("any"); got.ZipSizeLimit != 1024 || got.UnzippedSizeLimit != 300 {
		t.Errorf("limits %d, %d MB; want 1024 and 300", got.ZipSizeLimit, got.UnzippedSizeLimit)
	}
}

func TestGoArch(t *testing.T) {
	t.Parallel()
	f, err := Parse("/site/netlify.toml", []byte("[functions]\ngo_arch = \"amd64\"\n[functions.\"arm-*\"]\ngo_arch = \"arm64\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Functions.ForFunction("arm-api").GoArch; got != "arm64" {
		t.Errorf("arm-api go_arch = %q, want the heavier pattern's arm64", got)
	}
	if got := f.Functions.ForFunction("api").GoArch; got != "amd64" {
		t.Errorf("api go_arch = %q, want [functions]' amd64", got)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("go_arch gave warnings: %v", f.Warnings)
	}
}
