package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/internal/archive"
)

// Server mode: a site with a Netlify Server (netlify/server with an entry
// file, or the folder or file conformance.json's "server" names) has it
// built by both tools after its functions, the reference's zipServer and
// zisi's bundler.ZipServer, and compared as one more scenario line,
// SITE/server: the archive's entry names, the result's fields and the
// server manifest (timestamp aside, absolute paths made relative), and
// zisi's archive unpacked alone must answer a request in node.

// defaultServerDir is where a site's server is looked for when its
// conformance.json names none.
const defaultServerDir = "netlify/server"

// serverFunction names the server in output, in differences.json and in
// a run's expected errors.
const serverFunction = "server"

// siteServer returns the server of the site at base: named (from
// conformance.json, relative to the site) when set, whatever is there,
// else netlify/server when it holds an entry or more than one (which both
// tools must then refuse); "" when the site has none.
func siteServer(base, named string) (string, error) {
	if named != "" {
		return filepath.Join(base, filepath.FromSlash(named)), nil
	}
	dir := filepath.Join(base, filepath.FromSlash(defaultServerDir))
	_, err := bundler.FindServerEntry(dir)
	switch {
	case err == nil, errors.Is(err, bundler.ErrMultipleServerEntries):
		return dir, nil
	case errors.Is(err, bundler.ErrNoServerEntry):
		return "", nil
	}
	return "", err
}

// serverAnswer is what reference.mjs prints for a server job.
type serverAnswer struct {
	Result   map[string]any `json:"result"`
	Manifest map[string]any `json:"manifest"`
	Error    string         `json:"error"`
}

// compareServer builds j's server with both tools and compares them:
// one tally line, j.scenario + "/server". Both tools get the site as the
// base path, the repository root (-repository-root, else the site) and
// the run's feature flags.
func compareServer(ctx context.Context, j job, o compareOptions, out io.Writer) (tally, error) {
	var t tally
	tmp, err := os.MkdirTemp("", "zisi-conformance-server-")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(tmp)
	root := j.root
	if root == "" {
		root = j.base
	}
	refDest, zisiDest := filepath.Join(tmp, "ref"), filepath.Join(tmp, "zisi")
	res, zerr := bundler.ZipServer(ctx, j.server, zisiDest, bundler.Options{BasePath: j.base, RepositoryRoot: root, FeatureFlags: j.flags})
	if err := ctx.Err(); err != nil {
		return t, err
	}
	ans, err := runReferenceServer(ctx, o.ref, j, root, refDest, tmp)
	if err != nil {
		return t, err
	}
	name := j.scenario + "/" + serverFunction
	if want, ok := j.errors[serverFunction]; ok {
		if p := bothFail(want, ans.Error, zerr); p != "" {
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: %s\n", name, p)
			return t, nil
		}
		t.passed++
		if o.verbose {
			fmt.Fprintf(out, "PASS  %s (both fail: %q)\n", name, want)
		}
		return t, nil
	}
	if ans.Error != "" {
		t.failed++
		fmt.Fprintf(out, "FAIL  %s: the reference failed: %s\n", name, firstLine(ans.Error))
		return t, nil
	}
	var problems []problem
	if zerr != nil {
		problems = []problem{{"build", fmt.Sprintf("zisi failed where the reference built it: %v", zerr)}}
	} else {
		problems = serverProblems(ans, res, j, refDest, zisiDest)
	}
	if o.load && zerr == nil {
		// Whatever else differs: an accepted difference must not hide
		// an archive that does not answer.
		problems = append(problems, serverLoads(ctx, res.Path, filepath.Join(tmp, "unpacked"))...)
	}
	d := findDifference(o.diffs, j.scenario, serverFunction)
	pass := ""
	if res != nil {
		pass = fmt.Sprintf(" (%v, %s)", ans.Result["bundler"], relTo(j.base, res.MainFile))
	}
	t.record(out, name, problems, d, o.verbose, pass)
	return t, nil
}

// runReferenceServer makes the reference's zipServer call with the
// options zisi was given.
func runReferenceServer(ctx context.Context, ref string, j job, root, dest, tmp string) (serverAnswer, error) {
	var ans serverAnswer
	if _, err := os.Stat(filepath.Join(ref, "node_modules/@netlify/zip-it-and-ship-it/package.json")); err != nil {
		return ans, fmt.Errorf("the reference is not installed in %s (make conformance installs it)", ref)
	}
	type serverJob struct {
		Path    string         `json:"path"`
		Dest    string         `json:"dest"`
		Options map[string]any `json:"options"`
	}
	options := map[string]any{"basePath": j.base, "repositoryRoot": root, "manifest": filepath.Join(dest, "manifest.json")}
	if j.flags != nil {
		options["featureFlags"] = j.flags
	}
	in := struct {
		Site   string    `json:"site"`
		Server serverJob `json:"server"`
	}{Site: j.base, Server: serverJob{Path: j.server, Dest: dest, Options: options}}
	if err := runNode(ctx, ref, tmp, j.base, in, &ans, "the reference's zipServer"); err != nil {
		return ans, err
	}
	return ans, nil
}

// serverProblems compares the two servers: archive entries, result
// fields and manifest.
func serverProblems(ans serverAnswer, res *bundler.ServerResult, j job, refDest, zisiDest string) []problem {
	refPath, _ := ans.Result["path"].(string)
	ps := compareServerEntries(refPath, res.Path, j.flags[bundler.FlagAddInstrumentationLoader])
	data, err := json.Marshal(res)
	if err != nil {
		return append(ps, problem{"build", err.Error()})
	}
	var mine map[string]any
	if err := json.Unmarshal(data, &mine); err != nil {
		return append(ps, problem{"build", err.Error()})
	}
	ps = append(ps, compareServerObject("result", ans.Result, mine, j.base, refDest, zisiDest)...)
	ourManifest, err := readJSON(filepath.Join(zisiDest, "manifest.json"))
	if err != nil {
		return append(ps, problem{"field:manifest", err.Error()})
	}
	return append(ps, compareServerManifest(ans.Manifest, ourManifest, j.base, refDest, zisiDest)...)
}

// compareServerEntries compares the entry names of the two server.tgz.
// The reference's telemetry file, when zisi has none and the flags did
// not ask for it, is a problem of its own kind, "entries:telemetry", so
// that differences.json can accept it without accepting any other
// difference in entries.
func compareServerEntries(refPath, oursPath string, withTelemetry bool) []problem {
	a, errA := tgzNames(refPath)
	b, errB := tgzNames(oursPath)
	if errA != nil || errB != nil {
		return []problem{{"entries", fmt.Sprintf("read archives: %v %v", errA, errB)}}
	}
	var ps []problem
	if _, inOurs := slices.BinarySearch(b, telemetry); !withTelemetry && !inOurs {
		if i, found := slices.BinarySearch(a, telemetry); found {
			a = slices.Delete(a, i, i+1)
			ps = append(ps, problem{"entries:telemetry", fmt.Sprintf("entries: the reference adds %s, zisi does not (%s is off)", telemetry, bundler.FlagAddInstrumentationLoader)})
		}
	}
	if !slices.Equal(a, b) {
		ps = append(ps, problem{"entries", fmt.Sprintf("entries: only in the reference %v; only in zisi %v", minus(a, b), minus(b, a))})
	}
	return ps
}

// compareServerObject compares a server result or manifest entry (kind
// "result" or "field"): the same keys, the same values, mainFile relative
// to the site and path relative to each tool's destination.
func compareServerObject(kind string, ref, mine map[string]any, base, refDest, zisiDest string) []problem {
	var ps []problem
	if a, b := keys(ref), keys(mine); !slices.Equal(a, b) {
		ps = append(ps, problem{kind + ":keys", fmt.Sprintf("%s keys: reference %v, zisi %v", kind, a, b)})
	}
	for _, k := range union(keys(ref), keys(mine)) {
		a, b := ref[k], mine[k]
		switch k {
		case "mainFile":
			a, b = relTo(base, fmt.Sprint(a)), relTo(base, fmt.Sprint(b))
		case "path":
			a, b = relTo(refDest, fmt.Sprint(a)), relTo(zisiDest, fmt.Sprint(b))
		}
		if !reflect.DeepEqual(a, b) {
			ps = append(ps, problem{kind + ":" + k, fmt.Sprintf("%s %s: reference %s, zisi %s", kind, k, jsonText(a), jsonText(b))})
		}
	}
	return ps
}

// compareServerManifest compares the two server manifests: the same top
// keys, the server entry as compareServerObject does, and the other keys
// but the timestamp as they are.
func compareServerManifest(ref, mine map[string]any, base, refDest, zisiDest string) []problem {
	var ps []problem
	if a, b := keys(ref), keys(mine); !slices.Equal(a, b) {
		ps = append(ps, problem{"field:keys", fmt.Sprintf("manifest keys: reference %v, zisi %v", a, b)})
	}
	for _, k := range union(keys(ref), keys(mine)) {
		switch k {
		case "timestamp":
		case "server":
			a, _ := ref[k].(map[string]any)
			b, _ := mine[k].(map[string]any)
			ps = append(ps, compareServerObject("field", a, b, base, refDest, zisiDest)...)
		default:
			if !reflect.DeepEqual(ref[k], mine[k]) {
				ps = append(ps, problem{"field:" + k, fmt.Sprintf("manifest %s: reference %s, zisi %s", k, jsonText(ref[k]), jsonText(mine[k]))})
			}
		}
	}
	return ps
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func readJSON(p string) (map[string]any, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read zisi's server manifest: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read %q: %w", p, err)
	}
	return m, nil
}

// tgzNames lists a gzip-compressed tar's entry names, sorted.
func tgzNames(p string) ([]string, error) {
	var names []string
	err := walkTgz(p, func(h *tar.Header, _ io.Reader) error {
		names = append(names, h.Name)
		return nil
	})
	slices.Sort(names)
	return slices.Compact(names), err
}

// walkTgz calls fn for each entry of the gzip-compressed tar at p.
func walkTgz(p string, fn func(*tar.Header, io.Reader) error) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("read %q: %w", p, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %q: %w", p, err)
		}
		if err := fn(h, tr); err != nil {
			return fmt.Errorf("%q: %s: %w", p, h.Name, err)
		}
	}
}

// unpackTgz writes the files and links of the archive at p into dir.
func unpackTgz(p, dir string) error {
	return walkTgz(p, func(h *tar.Header, r io.Reader) error {
		if err := archive.ValidateName(strings.TrimSuffix(h.Name, "/")); err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			return os.MkdirAll(dst, 0o755)
		case tar.TypeSymlink:
			return os.Symlink(h.Linkname, dst)
		case tar.TypeReg:
			data, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		}
		return fmt.Errorf("entry type %q is neither a file nor a link", h.Typeflag)
	})
}

// serverCall loads an unpacked server's entry point and calls the server
// with a request, as the platform's server runtime does: the entry point
// exports the module as func, whose default export is a fetch handler (a
// function, or an object with fetch). It prints the response's status.
const serverCall = `
const { func } = await import(process.cwd() + "/___netlify-entry-point.mjs");
const server = func.default;
const req = new Request("http://localhost/");
const res = typeof server === "function" ? await server(req, {}) : await server.fetch(req, {});
if (!(res instanceof Response)) throw new Error("the server answered " + String(res) + ", not a Response");
process.stdout.write(String(res.status));
`

// serverLoads unpacks zisi's server archive into dir, far from the site,
// and calls the server in node with only PATH and HOME set, so that
// nothing the archive lacks can be found.
func serverLoads(ctx context.Context, archivePath, dir string) []problem {
	if err := unpackTgz(archivePath, dir); err != nil {
		return []problem{{"load", fmt.Sprintf("unpack zisi's server archive: %v", err)}}
	}
	cmd := exec.CommandContext(ctx, "node", "--input-type=module", "-e", serverCall)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		return []problem{{"load", fmt.Sprintf("zisi's server archive does not answer a request: %v: %.500s", err, oneLine(stderr.String()))}}
	}
	return nil
}
