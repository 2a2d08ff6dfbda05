package bundler

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/manifest"
)

func TestFindServerEntry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		dirs  []string
		want  string // entry name, or "" for an error
		err   error
		// msg are parts the error must contain ({dir} is the folder).
		msg []string
	}{
		{name: "js", files: map[string]string{"index.js": "", "util.js": ""}, want: "index.js"},
		{name: "mjs", files: map[string]string{"index.mjs": ""}, want: "index.mjs"},
		{name: "ts", files: map[string]string{"index.ts": ""}, want: "index.ts"},
		{name: "mts", files: map[string]string{"index.mts": ""}, want: "index.mts"},
		{name: "other index extensions do not count", files: map[string]string{"index.cjs": "", "index.tsx": "", "Index.js": "", "server.mjs": "", "index.mts": ""}, want: "index.mts"},
		{name: "none", files: map[string]string{"index.cjs": "", "main.js": ""}, err: ErrNoServerEntry,
			msg: []string{`"{dir}"`, "index.js, index.mjs, index.mts, index.ts", "add one of them"}},
		{name: "several, sorted", files: map[string]string{"index.ts": "", "index.js": "", "index.mjs": ""}, err: ErrMultipleServerEntries,
			msg: []string{`"{dir}"`, "holds index.js, index.mjs, index.ts", "one server only", "keep one of them"}},
		{name: "a folder named like an entry counts", files: map[string]string{"index.mjs": ""}, dirs: []string{"index.js"}, err: ErrMultipleServerEntries,
			msg: []string{"index.js, index.mjs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testfs.Write(t, dir, tc.files)
			for _, d := range tc.dirs {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			got, err := FindServerEntry(dir)
			if tc.err == nil {
				if err != nil || got != filepath.Join(dir, tc.want) {
					t.Fatalf("FindServerEntry = %q, %v; want %q", got, err, filepath.Join(dir, tc.want))
				}
				return
			}
			if !errors.Is(err, tc.err) || got != "" {
				t.Fatalf("FindServerEntry = %q, %v; want %v", got, err, tc.err)
			}
			for _, m := range tc.msg {
				if m = strings.ReplaceAll(m, "{dir}", dir); !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
		})
	}
	t.Run("missing or not a folder", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		testfs.Write(t, dir, map[string]string{"file": ""})
		for p, want := range map[string]string{filepath.Join(dir, "nope"): "does not exist", filepath.Join(dir, "file"): "is a file, not a folder"} {
			if _, err := FindServerEntry(p); !errors.Is(err, ErrNoServerEntry) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
				t.Errorf("FindServerEntry(%q) = %v; want ErrNoServerEntry saying %q", p, err, want)
			}
		}
	})
}

// serverFixture is fixtures/server: a site whose netlify/server/index.mts
// imports debug (which requires ms), installed by make test-deps.
func serverFixture(t *testing.T) string {
	t.Helper()
	site, err := filepath.Abs("../fixtures/server")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(site, "node_modules", "debug", "package.json")); err != nil {
		t.Fatalf("fixtures/server has no node_modules (make test-deps installs them): %v", err)
	}
	return site
}

// tgzEntries reads a .tgz's entries: name to content ("-> target" for a
// link), and the names in archive order. It checks what every entry of
// a reproducible archive must be.
func tgzEntries(t *testing.T, path string) (map[string]string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !gz.ModTime.IsZero() || gz.Name != "" {
		t.Errorf("gzip header has time %v and name %q; want neither", gz.ModTime, gz.Name)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := archive.ValidateName(h.Name); err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(time.Unix(0, 0)) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime %v owner %d:%d %q:%q; want the epoch and 0:0 without names", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		names = append(names, h.Name)
		switch h.Typeflag {
		case tar.TypeSymlink:
			files[h.Name] = "-> " + h.Linkname
		case tar.TypeReg:
			if h.Mode != 0o644 && h.Mode != 0o755 {
				t.Errorf("%s: mode %o", h.Name, h.Mode)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = string(data)
		default:
			t.Errorf("%s: entry type %q; want only files and links", h.Name, h.Typeflag)
		}
	}
	return files, names
}

// extractTgz unpacks an archive into a fresh folder far from the site, so
// that nothing the archive lacks can be found by node.
func extractTgz(t *testing.T, path string) string {
	t.Helper()
	files, _ := tgzEntries(t, path)
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// callServer loads an unpacked server archive's entry point in node and
// calls the server with a request for url, as the platform's server
// runtime does: the entry point exports the module as `func`, whose
// default export is a fetch handler (an object with fetch, or a
// function). It returns the status, the x-server header and the body.
func callServer(t *testing.T, dir, url string) (int, string, string) {
	t.Helper()
	const script = `
const { func } = await import(process.cwd() + "/___netlify-entry-point.mjs");
const server = func.default;
const req = new Request(process.argv[1], { headers: { "x-test": "1" } });
const res = typeof server === "function" ? await server(req, {}) : await server.fetch(req, {});
process.stdout.write(JSON.stringify({ status: res.status, header: res.headers.get("x-server"), body: await res.text() }));
`
	cmd := exec.CommandContext(t.Context(), "node", "--input-type=module", "-e", script, url)
	cmd.Dir = dir
	// No NODE_PATH or other module folders: the archive must be whole.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var r struct {
		Status int
		Header string
		Body   string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}
	return r.Status, r.Header, r.Body
}

var serverFixtureEntries = []string{
	"___netlify-entry-point.mjs",
	"___netlify-server.json",
	"netlify/server/index.mjs",
	"node_modules/debug/package.json",
	"node_modules/debug/src/browser.js",
	"node_modules/debug/src/common.js",
	"node_modules/debug/src/index.js",
	"node_modules/debug/src/node.js",
	"node_modules/ms/index.js",
	"node_modules/ms/package.json",
}

func TestZipServerAnswersThroughEntryPoint(t *testing.T) {
	t.Parallel()
	site := serverFixture(t)
	out := filepath.Join(t.TempDir(), "server-out")
	now := time.UnixMilli(1700000000123)
	res, err := ZipServer(t.Context(), filepath.Join(site, "netlify", "server"), out, Options{BasePath: site, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	archivePath := filepath.Join(out, "server.tgz")
	mainFile := filepath.Join(site, "netlify", "server", "index.mts")
	if res.Path != archivePath || res.MainFile != mainFile || res.Bundler != "nft" || res.Runtime != "js" ||
		res.RuntimeVersion != "nodejs24.x" || res.EntryFilename != "___netlify-entry-point.mjs" || res.Manifest != filepath.Join(out, "manifest.json") {
		t.Errorf("result: %+v", res)
	}
	if fi, err := os.Stat(archivePath); err != nil || fi.Size() != res.Size {
		t.Errorf("archive %v, size %d; result says %d", err, fi.Size(), res.Size)
	}
	files, names := tgzEntries(t, archivePath)
	if !slices.Equal(names, serverFixtureEntries) {
		t.Errorf("entries (in archive order):\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(serverFixtureEntries, "\n"))
	}
	if got := files["___netlify-entry-point.mjs"]; got != "export * as func from './netlify/server/index.mjs'" {
		t.Errorf("entry point: %q", got)
	}
	if got := files["___netlify-server.json"]; got != "{}" {
		t.Errorf("server marker: %q", got)
	}
	// The local import is compiled into the entry; TypeScript is gone.
	if main := files["netlify/server/index.mjs"]; !strings.Contains(main, "searchParams") || strings.Contains(main, "Promise<Response>") {
		t.Errorf("compiled entry:\n%s", main)
	}

	status, header, body := callServer(t, extractTgz(t, archivePath), "http://localhost/some/page?q=zisi")
	want := `{"path":"/some/page","method":"GET","namespace":"server:requests","humanize":"2m","query":"zisi"}`
	if status != 200 || header != "zisi-fixture" || body != want {
		t.Errorf("server answered %d (x-server %q) %s; want 200 (zisi-fixture) %s", status, header, body, want)
	}

	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantManifest := `{"server":{"bundler":"nft","mainFile":` + jsonString(mainFile) + `,"path":` + jsonString(archivePath) +
		`,"runtime":"js","runtimeVersion":"nodejs24.x","routes":[{"pattern":"/*","expression":"^(?:\\/(.*))\\/?$","prefer_static":true}]},` +
		`"system":` + jsonValue(t, manifest.CurrentSystem()) + `,"timestamp":1700000000123,"version":1}`
	if string(data) != wantManifest {
		t.Errorf("manifest:\n%s\nwant:\n%s", data, wantManifest)
	}
	if m, err := manifest.ParseServer(data); err != nil || m.Server.Path != archivePath {
		t.Errorf("ParseServer: %+v, %v", m, err)
	}
	wantResult := `{"bundler":"nft","excludedRoutes":[],"mainFile":` + jsonString(mainFile) + `,"path":` + jsonString(archivePath) +
		`,"routes":[{"pattern":"/*","expression":"^(?:\\/(.*))\\/?$","prefer_static":true}],"runtime":"js","runtimeVersion":"nodejs24.x"}`
	if got := jsonValue(t, res); got != wantResult {
		t.Errorf("result JSON:\n%s\nwant:\n%s", got, wantResult)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonValue(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(buf.String())
}

// serverSiteWithConfig is a site whose server is index.ts with in-source
// configuration, some of which a server keeps (memory, region,
// excludedPath) and some it ignores (path, preferStatic, method).
func serverSiteWithConfig(t *testing.T) string {
	t.Helper()
	site := t.TempDir()
	copySite(t, filepath.Join(serverFixture(t), "node_modules"), filepath.Join(site, "node_modules"), false)
	testfs.Write(t, site, map[string]string{
		"package.json": `{"name":"server-config-site","private":true,"type":"module","dependencies":{"debug":"4.4.1"}}`,
		"app/index.ts": `import createDebug from "debug";
export default async (req: Request) => new Response("ns " + createDebug("app").namespace, { status: 203, headers: { "x-server": "fn" } });
export const config = { path: "/api/*", excludedPath: ["/static/*", "/robots.txt"], memory: 1024, region: "iad", preferStatic: false, method: "GET" };
`,
	})
	return site
}

func TestZipServerInSourceConfig(t *testing.T) {
	t.Parallel()
	site := serverSiteWithConfig(t)
	out := t.TempDir()
	res, err := ZipServer(t.Context(), filepath.Join(site, "app", "index.ts"), out, Options{BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	if res.Memory != 1024 || res.Region != "iad" || len(res.Routes) != 1 || res.Routes[0].Pattern != "/*" || !res.Routes[0].PreferStatic || res.Routes[0].Methods != nil {
		t.Errorf("result: %+v", res)
	}
	if got := jsonValue(t, res.ExcludedRoutes); got != `[{"pattern":"/static/*","expression":"^\\/static(?:\\/(.*))\\/?$"},{"pattern":"/robots.txt","literal":"/robots.txt"}]` {
		t.Errorf("excluded routes: %s", got)
	}
	_, names := tgzEntries(t, res.Path)
	if !slices.Contains(names, "app/index.mjs") || !slices.Contains(names, "node_modules/ms/index.js") {
		t.Errorf("entries: %v", names)
	}
	status, header, body := callServer(t, extractTgz(t, res.Path), "http://localhost/")
	if status != 203 || header != "fn" || body != "ns app" {
		t.Errorf("server answered %d %q %q", status, header, body)
	}
}

func TestZipServerKeepsPreviousOutputOnFailure(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	copySite(t, filepath.Join(serverFixture(t), "node_modules"), filepath.Join(site, "node_modules"), false)
	testfs.Write(t, site, map[string]string{
		"package.json":             `{"name":"s","private":true}`,
		"netlify/server/index.mjs": `import ms from "ms"; export default { fetch: () => new Response(String(ms("1s"))) };`,
	})
	out := t.TempDir()
	serverDir := filepath.Join(site, "netlify", "server")
	if _, err := ZipServer(t.Context(), serverDir, out, Options{BasePath: site}); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, out)
	// Rebuilding the same input gives the same bytes (the manifest's
	// timestamp aside).
	if _, err := ZipServer(t.Context(), serverDir, out, Options{BasePath: site}); err != nil {
		t.Fatal(err)
	}
	if again := readTree(t, out); again["server.tgz"] != before["server.tgz"] {
		t.Error("a second build of the same server wrote different bytes")
	}
	before = readTree(t, out)

	testfs.Write(t, site, map[string]string{"netlify/server/index.mjs": "import ms from \"ms\";\nexport default { fetch: () => new Response(ms(1) }\n"})
	_, err := ZipServer(t.Context(), serverDir, out, Options{BasePath: site})
	var fe *FunctionError
	if !errors.As(err, &fe) || fe.Name != "server" || fe.Runtime != "js" || fe.Bundler != "nft" || !errors.Is(err, ErrBundle) || !strings.Contains(err.Error(), "index.mjs:2:") {
		t.Fatalf("err = %v; want the server's bundling error with the file and line", err)
	}
	if after := readTree(t, out); !mapsEqual(after, before) {
		t.Errorf("a failed build changed the destination: %v, was %v", keys(after), keys(before))
	}

	// A cancelled build leaves it as it was too.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ZipServer(ctx, serverDir, out, Options{BasePath: site}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	if after := readTree(t, out); !mapsEqual(after, before) {
		t.Errorf("a cancelled build changed the destination: %v", keys(after))
	}

	// Two entries: refused before the destination is touched.
	testfs.Write(t, site, map[string]string{"netlify/server/index.ts": `export default () => new Response("")`})
	if _, err := ZipServer(t.Context(), serverDir, out, Options{BasePath: site}); !errors.Is(err, ErrMultipleServerEntries) {
		t.Errorf("err = %v; want ErrMultipleServerEntries", err)
	}
	if after := readTree(t, out); !mapsEqual(after, before) {
		t.Errorf("a refused build changed the destination: %v", keys(after))
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestZipServerRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testfs.Write(t, dir, map[string]string{"prebuilt.zip": "PK", "index.mjs": "export default () => new Response('')", "README.md": ""})
	for _, tc := range []struct {
		path string
		opts Options
		err  error
		msg  string
	}{
		{path: filepath.Join(dir, "prebuilt.zip"), err: ErrInvalidOptions, msg: "not a Node.js source file"},
		{path: filepath.Join(dir, "README.md"), err: ErrInvalidOptions, msg: "not a Node.js source file"},
		{path: filepath.Join(dir, "missing"), err: ErrNoServerEntry, msg: "pass the server's folder or its entry file"},
		{path: dir, opts: Options{ArchiveFormat: ArchiveNone}, err: ErrInvalidOptions, msg: "always written as server.tgz"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		_, err := ZipServer(t.Context(), tc.path, out, tc.opts)
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ZipServer(%q) = %v; want %v saying %q", tc.path, err, tc.err, tc.msg)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("ZipServer(%q) created the destination", tc.path)
		}
	}
}

// TestZipServerMatchesReference builds the same servers with the
// reference's zipServer (run by node from ZISI_REFERENCE_DIR, which make
// test installs) and compares the archives' entries, the manifests and
// the results, timestamps and the output folders aside. The reference's
// telemetry file is left out of the comparison: zisi leaves it out of
// every archive (see FlagAddInstrumentationLoader).
func TestZipServerMatchesReference(t *testing.T) {
	ref := os.Getenv("ZISI_REFERENCE_DIR")
	if ref == "" {
		t.Skip("ZISI_REFERENCE_DIR not set (make test sets it up)")
	}
	t.Parallel()
	fixture := serverFixture(t)
	configSite := serverSiteWithConfig(t)
	cjsSite := t.TempDir()
	copySite(t, filepath.Join(fixture, "node_modules"), filepath.Join(cjsSite, "node_modules"), false)
	testfs.Write(t, cjsSite, map[string]string{
		"package.json": `{"name":"server-cjs-site","private":true}`,
		"srv/index.js": "const createDebug = require(\"debug\");\nmodule.exports = { default: { fetch: () => new Response(createDebug(\"cjs\").namespace) } };\n",
	})
	for _, tc := range []struct {
		name, site, path string
	}{
		{"fixture folder", fixture, filepath.Join(fixture, "netlify", "server")},
		{"entry file with in-source config", configSite, filepath.Join(configSite, "app", "index.ts")},
		{"CommonJS entry", cjsSite, filepath.Join(cjsSite, "srv")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			refOut, zisiOut := t.TempDir(), t.TempDir()
			refResult := runReferenceZipServer(t, ref, tc.path, refOut, tc.site)
			res, err := ZipServer(t.Context(), tc.path, zisiOut, Options{BasePath: tc.site})
			if err != nil {
				t.Fatal(err)
			}
			refNames := tgzNames(t, filepath.Join(refOut, "server.tgz"))
			refNames = slices.DeleteFunc(refNames, func(n string) bool { return n == "___netlify-telemetry.mjs" })
			_, names := tgzEntries(t, res.Path)
			slices.Sort(refNames)
			if !slices.Equal(names, refNames) {
				t.Errorf("entries:\nzisi:      %v\nreference: %v", names, refNames)
			}
			if got, want := normalizeServerJSON(jsonValue(t, res), zisiOut), normalizeServerJSON(refResult, refOut); got != want {
				t.Errorf("result:\nzisi:      %s\nreference: %s", got, want)
			}
			read := func(dir string) string {
				data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
				if err != nil {
					t.Fatal(err)
				}
				return normalizeServerJSON(string(data), dir)
			}
			if got, want := read(zisiOut), read(refOut); got != want {
				t.Errorf("manifest:\nzisi:      %s\nreference: %s", got, want)
			}
		})
	}
}

// runReferenceZipServer calls the reference's zipServer the way a deploy
// tool does, the entry found with its findServerEntry when path is a
// folder, and returns its result as JSON.
func runReferenceZipServer(t *testing.T, ref, path, out, basePath string) string {
	t.Helper()
	const script = `
const [ref, path, out, basePath] = process.argv.slice(1);
const { zipServer, findServerEntry } = await import(ref + "/node_modules/@netlify/zip-it-and-ship-it/dist/main.js");
const { statSync } = await import("node:fs");
const entry = statSync(path).isDirectory() ? await findServerEntry(path) : path;
process.stdout.write(JSON.stringify(await zipServer(entry, out, { basePath })));
`
	cmd := exec.CommandContext(t.Context(), "node", "--input-type=module", "-e", script, filepath.Clean(ref), path, out, basePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("run the reference's zipServer: %v\n%s", err, stderr.String())
	}
	return string(data)
}

// tgzNames lists a .tgz's entry names without the checks tgzEntries
// makes of zisi's archives (the reference's are not all reproducible the
// same way).
func tgzNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

// normalizeServerJSON zeroes a manifest's timestamp and names the output
// folder OUT, so two builds into different folders compare equal; key
// order is kept, as it is part of what is compared.
func normalizeServerJSON(data, out string) string {
	s := strings.ReplaceAll(data, strings.Trim(jsonString(out), `"`), "OUT")
	return timestampRE.ReplaceAllString(s, `"timestamp":0`)
}

var timestampRE = regexp.MustCompile(`"timestamp":[0-9]+`)

// TestZipServerPnpm builds a server whose packages pnpm installed: the
// links node follows into node_modules/.pnpm are kept as links in the
// archive, which still answers once unpacked alone.
func TestZipServerPnpm(t *testing.T) {
	t.Parallel()
	site, err := filepath.Abs("../fixtures/node-pnpm")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := ZipServer(t.Context(), filepath.Join(site, "netlify", "server"), out, Options{BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := tgzEntries(t, res.Path)
	if got := files["node_modules/debug"]; got != "-> .pnpm/debug@4.4.1/node_modules/debug" {
		t.Errorf("node_modules/debug is %q; want the pnpm link", got)
	}
	status, _, body := callServer(t, extractTgz(t, res.Path), "http://localhost/p")
	if want := `{"namespace":"pnpm-server","humanize":"1s","path":"/p"}`; status != 200 || body != want {
		t.Errorf("server answered %d %s; want 200 %s", status, body, want)
	}
}

// TestZipServerTelemetryFlag: with zisi_add_instrumentation_loader set,
// the server archive gets ___netlify-telemetry.mjs as functions do; the
// reference adds it by default.
func TestZipServerTelemetryFlag(t *testing.T) {
	t.Parallel()
	site := serverFixture(t)
	out := t.TempDir()
	if _, err := ZipServer(t.Context(), filepath.Join(site, "netlify", "server"), out, Options{BasePath: site,
		FeatureFlags: map[string]bool{FlagAddInstrumentationLoader: true}}); err != nil {
		t.Fatal(err)
	}
	files, _ := tgzEntries(t, filepath.Join(out, "server.tgz"))
	if len(files["___netlify-telemetry.mjs"]) == 0 {
		t.Errorf("no telemetry file with the flag set; entries %v", keys(files))
	}
	out = t.TempDir()
	if _, err := ZipServer(t.Context(), filepath.Join(site, "netlify", "server"), out, Options{BasePath: site}); err != nil {
		t.Fatal(err)
	}
	if files, _ := tgzEntries(t, filepath.Join(out, "server.tgz")); files["___netlify-telemetry.mjs"] != "" {
		t.Error("a telemetry file without the flag")
	}
}

// TestZipServerFsync: with Fsync the server archive, synced in the
// background and waited for before it is published, is the same as
// without.
func TestZipServerFsync(t *testing.T) {
	t.Parallel()
	site := serverSiteWithConfig(t)
	var archives [][]byte
	for _, fsync := range []bool{false, true} {
		res, err := ZipServer(t.Context(), filepath.Join(site, "app", "index.ts"), t.TempDir(), Options{BasePath: site, Fsync: fsync})
		if err != nil {
			t.Fatalf("Fsync %v: %v", fsync, err)
		}
		data, err := os.ReadFile(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, data)
	}
	if len(archives[0]) == 0 || !bytes.Equal(archives[0], archives[1]) {
		t.Errorf("server archive: %d bytes without Fsync, %d with; want the same bytes", len(archives[0]), len(archives[1]))
	}
}
