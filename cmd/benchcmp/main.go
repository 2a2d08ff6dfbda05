// Command benchcmp times the reference zip-it-and-ship-it and zisi on the
// same site in one run: the tools alternate, each run gets a fresh output
// directory, and the median wall time, peak resident memory of the process
// tree and the size of the archives written are reported with the ratios.
//
//	go run ./cmd/benchcmp -zisi bin/zisi -reference .cache/reference -runs 3 SITE_DIR
//
// With -zisi-before OTHER_ZISI, a second zisi binary (the build before a
// change) runs in the same alternation, so that one run gives before and
// after figures measured under the same load.
//
// With -scale 40,200,1000 (the first flag), it runs the scale benchmark
// instead: see scale.go.
//
// With -subset zisi, only the functions the reference bundles with its
// zisi bundler (CommonJS .js/.cjs files and directories) are copied into a
// temporary site next to the original, for comparisons limited to what
// both tools build.
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall  time.Duration
	rssKB int64
	// zipBytes is the total size of the .zip files written.
	zipBytes int64
	// entries is the compressed size of each entry, keyed by archive name
	// and entry name.
	entries map[string]int64
}

type tool struct {
	name    string
	command func(src, dest string) *exec.Cmd
	samples []sample
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// mode is one comparison: the same settings given to both tools.
type mode struct {
	name string
	// referenceConfig is the reference CLI's --config JSON; toml, when
	// set, is the netlify.toml zisi reads for the same settings.
	referenceConfig string
	toml            string
}

var modes = map[string]mode{
	"default": {name: "default settings", referenceConfig: "{}"},
	// node_bundler = "esbuild" is esbuild with a fallback to zisi, as
	// Netlify Build passes it to the reference.
	"esbuild": {name: `node_bundler = "esbuild"`, referenceConfig: `{"*":{"nodeBundler":"esbuild_zisi"}}`, toml: "[functions]\nnode_bundler = \"esbuild\"\n"},
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (strings.HasPrefix(args[0], "-scale") || strings.HasPrefix(args[0], "--scale")) {
		return runScale(args, stdout, stderr)
	}
	fl := flag.NewFlagSet("benchcmp", flag.ContinueOnError)
	fl.SetOutput(stderr)
	zisiBin := fl.String("zisi", "bin/zisi", "zisi binary")
	beforeBin := fl.String("zisi-before", "", "a second zisi binary, the build before a change, run in the same alternation (optional)")
	ref := fl.String("reference", ".cache/reference", "directory where @netlify/zip-it-and-ship-it is installed")
	runs := fl.Int("runs", 3, "runs per tool and mode")
	subset := fl.String("subset", "", `"zisi": only the functions the reference bundles with zisi; "node": every Node.js function (Go source functions left out)`)
	modeList := fl.String("modes", "default", "comma-separated modes: default, esbuild")
	out := fl.String("out", "", "write the report to this markdown file too")
	rebuild := fl.Bool("rebuild", true, "also measure rebuilds with the build cache (cold, no change, one function edited, remote warm)")
	if err := fl.Parse(args); err != nil || fl.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: benchcmp [flags] SITE_DIR")
		return 2
	}
	site, _ := filepath.Abs(fl.Arg(0))
	scope := "all functions"
	subsets := map[string]struct {
		make  func(string) (string, error)
		scope string
	}{
		"zisi": {zisiSubset, "the functions the reference bundles with zisi"},
		"node": {nodeSubset, "every Node.js function; Go source functions left out"},
	}
	if sub, ok := subsets[*subset]; ok {
		var err error
		if site, err = sub.make(site); err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
		defer os.RemoveAll(site)
		scope = sub.scope
	}
	b := bench{site: site, src: filepath.Join(site, "netlify", "functions"), runs: *runs, stderr: stderr}
	b.zisi, _ = filepath.Abs(*zisiBin)
	if *beforeBin != "" {
		b.before, _ = filepath.Abs(*beforeBin)
	}
	b.refCLI, _ = filepath.Abs(filepath.Join(*ref, "node_modules", ".bin", "zip-it-and-ship-it"))
	fns, _ := os.ReadDir(b.src)
	var report strings.Builder
	fmt.Fprintf(&report, "Site: `%s` from shared/bench/make-site.sh, %d function entries (%s).\n", filepath.Base(fl.Arg(0)), len(fns), scope)
	fmt.Fprintf(&report, "Machine: %d CPUs, %s/%s. Each tool ran %d times per mode, alternating, into a fresh output directory.\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, *runs)
	fmt.Fprintf(&report, "zisi: %s.", version(b.zisi))
	if b.before != "" {
		fmt.Fprintf(&report, " zisi before: %s.", version(b.before))
	}
	fmt.Fprintf(&report, "\n\n| mode | tool | median wall | peak RSS | archives | shared entries |\n|---|---|---|---|---|---|\n")
	for _, name := range strings.Split(*modeList, ",") {
		if name == "" {
			continue // -modes "": the rebuild rows alone
		}
		m, ok := modes[name]
		if !ok {
			fmt.Fprintf(stderr, "benchcmp: unknown mode %q\n", name)
			return 2
		}
		tools, err := b.runMode(name, m)
		if err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
		writeRows(&report, m.name, tools)
	}
	if *rebuild {
		section, err := runRebuilds(b.zisi, site, *runs, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "benchcmp: rebuilds:", err)
			return 1
		}
		fmt.Fprintf(&report, "\n## Rebuilds with the build cache\n\n%s", rebuildIntro)
		report.WriteString(section)
	}
	fmt.Fprint(stdout, report.String())
	if *out != "" {
		doc := "# Benchmarks\n\n" + fmt.Sprintf(intro, referenceVersion(*ref)) + report.String() + "\n" + keptMarker + "\n"
		if kept := keptSections(*out); kept != "" {
			doc += kept // hand-written sections and make bench-scale's stay
		}
		if err := os.WriteFile(*out, []byte(doc), 0o644); err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
	}
	return 0
}

const intro = `Reference: ` + "`@netlify/zip-it-and-ship-it`" + ` %s (its CLI) against zisi (` + "`bin/zisi build`" + `),
measured by ` + "`make bench` (`cmd/benchcmp`)" + `. Wall time is the median over the runs;
peak RSS is the largest sum of resident set sizes over the tool's process tree
(sampled every 10 ms from /proc, so child processes such as the reference's esbuild
service count). Archives is the total size of the .zip files the tool wrote;
shared entries is the compressed size of the entries every tool wrote (same
archive, same entry name), which leaves out the reference's
` + "`___netlify-telemetry.mjs`" + ` (in every Node.js archive) and Go archives (the
reference's CLI leaves Go binaries unzipped). Ratios compare zisi with the tool
named, from the same run; "zisi before", when present, is the build before the
change being measured, run in the same alternation.

`

const rebuildIntro = `zisi alone, the same site, ` + "`zisi build --cache-dir`" + ` a fresh folder, into one
destination (the cache's keys cover it). Cold: an empty cache (the build also
stores every function). No change: the same build again. One function edited:
a comment appended to one main file before each run. Remote warm: an empty
local cache and destination, with ` + "`--remote-cache file://…`" + ` filled by an earlier build
(gocloud.dev/blob's file driver: what a fresh CI machine with a shared store
does, without the network). Ratios against the cold row of the same run.

`

// keptMarker ends what make bench writes in BENCHMARKS.md: what follows
// (notes, make bench-scale's section) is kept as it is.
const keptMarker = "<!-- make bench writes everything above this line; what follows is kept -->"

// keptSections is what follows keptMarker in the file at path, or else
// make bench-scale's section.
func keptSections(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if i := bytes.Index(data, []byte(keptMarker)); i >= 0 {
		return strings.TrimPrefix(string(data[i+len(keptMarker):]), "\n")
	}
	return scaleSection(path)
}

// bench is one benchcmp run: the binaries and the site.
type bench struct {
	site, src            string
	zisi, before, refCLI string
	runs                 int
	stderr               io.Writer
}

// runMode runs every tool b.runs times, alternating, with the settings of
// mode m.
func (b bench) runMode(name string, m mode) ([]*tool, error) {
	tomlPath := ""
	if m.toml != "" {
		// In the site, so that it stays the base directory (archive
		// paths and file tracing are relative to netlify.toml's); a
		// name of its own, so that two runs on one site do not remove
		// each other's.
		f, err := os.CreateTemp(b.site, ".benchcmp-"+name+"-*.toml")
		if err != nil {
			return nil, err
		}
		tomlPath = f.Name()
		defer os.Remove(tomlPath)
		_, err = f.WriteString(m.toml)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write %q: %w", tomlPath, err)
		}
	}
	zisi := func(bin string) func(src, dest string) *exec.Cmd {
		return func(src, dest string) *exec.Cmd {
			args := []string{"build", "-q"}
			if hasNoCache(bin) {
				args = append(args, "--no-cache") // cold builds: the rebuild rows measure the cache
			}
			if tomlPath != "" {
				args = append(args, "--config", tomlPath)
			}
			return exec.Command(bin, append(args, src, dest)...)
		}
	}
	tools := []*tool{{name: "reference", command: func(src, dest string) *exec.Cmd {
		return exec.Command("node", b.refCLI, "--config", m.referenceConfig, src, dest)
	}}}
	if b.before != "" {
		tools = append(tools, &tool{name: "zisi before", command: zisi(b.before)})
	}
	tools = append(tools, &tool{name: "zisi", command: zisi(b.zisi)})
	for i := 0; i < b.runs; i++ {
		for _, t := range tools {
			s, err := measure(t, b.site, b.src)
			if err != nil {
				return nil, fmt.Errorf("%s, %s, run %d: %w", m.name, t.name, i+1, err)
			}
			if i > 0 && t.name != "reference" && s.zipBytes != t.samples[0].zipBytes {
				fmt.Fprintf(b.stderr, "benchcmp: %s, %s: run %d wrote %d bytes of archives, run 1 %d: not reproducible\n", m.name, t.name, i+1, s.zipBytes, t.samples[0].zipBytes)
			}
			if i > 0 {
				s.entries = nil // run 1's are kept for the shared entries
			}
			t.samples = append(t.samples, s)
			fmt.Fprintf(b.stderr, "%-24s %-11s run %d: %6.2fs %7.1f MB %8.2f MB of archives\n", m.name, t.name, i+1, s.wall.Seconds(), float64(s.rssKB)/1024, float64(s.zipBytes)/1e6)
		}
	}
	return tools, nil
}

// hasNoCache reports whether a zisi binary has the build cache (and so
// --no-cache); earlier ones build cold anyway.
func hasNoCache(bin string) bool {
	out, _ := exec.Command(bin, "help", "build").CombinedOutput()
	return bytes.Contains(out, []byte("--no-cache"))
}

// version is what a zisi binary says with --version, or its error.
func version(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return fmt.Sprintf("`%s` (--version: %v)", bin, err)
	}
	return "`" + strings.TrimSpace(string(out)) + "`"
}

// referenceVersion reads the installed reference's package.json.
func referenceVersion(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", "@netlify", "zip-it-and-ship-it", "package.json"))
	if err != nil {
		return "(version unknown)"
	}
	var pkg struct{ Version string }
	if json.Unmarshal(data, &pkg) != nil || pkg.Version == "" {
		return "(version unknown)"
	}
	return pkg.Version
}

func measure(t *tool, site, src string) (sample, error) {
	dest, err := os.MkdirTemp("", "benchcmp-out-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dest)
	cmd := t.command(src, dest)
	cmd.Dir = site
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	// The reference runs esbuild (and go build) in child processes, zisi
	// runs esbuild in-process: the fair memory figure is the peak of the
	// whole process tree.
	done := watch(cmd, start)
	err = cmd.Wait()
	peakKB, _ := done()
	s := sample{wall: time.Since(start), rssKB: peakKB}
	if err != nil {
		return sample{}, fmt.Errorf("%v: %s", err, lastLines(errb.String(), 5))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > s.rssKB {
		s.rssKB = ru.Maxrss // a peak between two samples of the main process
	}
	s.zipBytes, s.entries, err = archives(dest)
	return s, err
}

// archives sums the sizes of the .zip files in dir and lists the
// compressed size of every entry.
func archives(dir string) (int64, map[string]int64, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.zip"))
	if err != nil {
		return 0, nil, err
	}
	var total int64
	entries := map[string]int64{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return 0, nil, err
		}
		total += st.Size()
		zr, err := zip.OpenReader(p)
		if err != nil {
			return 0, nil, fmt.Errorf("read %q: %w", p, err)
		}
		for _, f := range zr.File {
			entries[filepath.Base(p)+"/"+f.Name] = int64(f.CompressedSize64)
		}
		zr.Close()
	}
	return total, entries, nil
}

// watch samples the process tree of the started cmd every 10 ms, until
// the function it returns is called (after cmd.Wait), which gives the
// tree's peak resident set size (KB) and its CPU ticks over time.
//
// Each sample reads the stat files of the processes known to be in the
// tree; /proc is scanned for new descendants only every rescanTicks
// samples. Scanning it every sample read every process's stat file, a
// fifth of a core on this 2-core machine, taken from the build being
// measured (the floor's copy ran without it).
func watch(cmd *exec.Cmd, start time.Time) func() (peakKB int64, samples []cpuSample) {
	stop := make(chan struct{})
	done := make(chan struct{})
	var peak int64
	var samples []cpuSample
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		pids := []int{cmd.Process.Pid}
		for n := 0; ; n++ {
			if n%rescanTicks == 0 {
				pids = treePids(cmd.Process.Pid)
			}
			kb, ticks := usage(pids)
			peak = max(peak, kb)
			if kb > 0 { // not yet reaped
				samples = append(samples, cpuSample{time.Since(start), ticks})
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int64, []cpuSample) {
		close(stop)
		<-done
		return peak, samples
	}
}

// rescanTicks is how many samples watch takes between scans of /proc
// for new descendants (100 ms). A child that starts and ends between two
// scans is counted in its parent's CPU time once waited for, and only its
// memory goes unseen.
const rescanTicks = 10

// procStat is one /proc/PID/stat: the parent, the resident set size (KB)
// and the CPU time in clock ticks (user and system, with that of the
// children it has waited for).
type procStat struct {
	ppid         int
	rssKB, ticks int64
}

func readStat(pid int) (procStat, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// pid (comm) state ppid …; comm may hold spaces, so split after ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 22 {
		return procStat{}, false
	}
	var st procStat
	st.ppid, _ = strconv.Atoi(f[1])
	pages, _ := strconv.ParseInt(f[21], 10, 64)
	st.rssKB = pages * int64(os.Getpagesize()) / 1024
	for _, k := range f[11:15] { // utime stime cutime cstime
		t, _ := strconv.ParseInt(k, 10, 64)
		st.ticks += t
	}
	return st, true
}

// treePids is pid and its descendants, from a scan of /proc.
func treePids(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(p); ok {
			children[st.ppid] = append(children[st.ppid], p)
		}
	}
	var out []int
	stack := []int{pid}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, p)
		stack = append(stack, children[p]...)
	}
	return out
}

// usage sums the resident set size (KB) and CPU ticks of pids (those
// that have ended count nothing; their parent's ticks take theirs once
// it has waited for them).
func usage(pids []int) (rssKB, ticks int64) {
	for _, p := range pids {
		if st, ok := readStat(p); ok {
			rssKB += st.rssKB
			ticks += st.ticks
		}
	}
	return rssKB, ticks
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// writeRows writes one row per tool and one ratio row comparing zisi with
// each other tool.
func writeRows(w io.Writer, mode string, tools []*tool) {
	shared := sharedEntries(tools)
	type figures struct{ wall, rss, zipped, shared float64 }
	fig := map[string]figures{}
	for _, t := range tools {
		var ws, rs, zs []float64
		for _, s := range t.samples {
			ws = append(ws, s.wall.Seconds())
			rs = append(rs, float64(s.rssKB)/1024)
			zs = append(zs, float64(s.zipBytes))
		}
		f := figures{median(ws), median(rs), median(zs), float64(shared[t.name])}
		fig[t.name] = f
		fmt.Fprintf(w, "| %s | %s | %.2f s | %.0f MB | %.2f MB | %.2f MB |\n", mode, t.name, f.wall, f.rss, f.zipped/1e6, f.shared/1e6)
	}
	z := fig["zisi"]
	for _, t := range tools {
		if t.name == "zisi" {
			continue
		}
		o := fig[t.name]
		fmt.Fprintf(w, "| %s | **%s / zisi** | **%s** | **%s** | **%s** | **%s** |\n", mode, t.name,
			times(o.wall/z.wall, "faster", "slower"), times(o.rss/z.rss, "less", "more"),
			percent(z.zipped, o.zipped), percent(z.shared, o.shared))
	}
}

// sharedEntries sums, per tool, the compressed sizes of the entries that
// every tool wrote in its first run.
func sharedEntries(tools []*tool) map[string]int64 {
	sums := map[string]int64{}
	if len(tools) == 0 || len(tools[0].samples) == 0 {
		return sums
	}
next:
	for key := range tools[0].samples[0].entries {
		for _, t := range tools[1:] {
			if _, ok := t.samples[0].entries[key]; !ok {
				continue next
			}
		}
		for _, t := range tools {
			sums[t.name] += t.samples[0].entries[key]
		}
	}
	return sums
}

// times formats a ratio as "2.5x faster" or, under 1, "1.25x slower";
// two decimals below 2x, where the second one matters.
func times(r float64, above, below string) string {
	word := above
	if r < 1 {
		r, word = 1/r, below
	}
	if r < 2 {
		return fmt.Sprintf("%.2fx %s", r, word)
	}
	return fmt.Sprintf("%.1fx %s", r, word)
}

// percent says how much smaller or larger zisi's bytes are than other's.
func percent(zisi, other float64) string {
	if other == 0 {
		return "n/a"
	}
	d := (zisi/other - 1) * 100
	if d <= 0 {
		return fmt.Sprintf("%.1f%% smaller", -d)
	}
	return fmt.Sprintf("%.1f%% larger", d)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// nodeSubset makes a sibling copy of site without its Go source functions
// (directories holding a go.mod). Files are hard links, so the copy is
// cheap and real paths stay inside it, as file tracing needs.
func nodeSubset(site string) (string, error) {
	dir, err := os.MkdirTemp(filepath.Dir(site), ".benchcmp-node-")
	if err != nil {
		return "", err
	}
	if out, err := exec.Command("cp", "-al", site+"/.", dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cp -al: %w: %s", err, out)
	}
	src := filepath.Join(dir, "netlify", "functions")
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(src, e.Name(), "go.mod")); err == nil {
			if err := os.RemoveAll(filepath.Join(src, e.Name())); err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}

// zisiSubset makes a sibling site holding only the CommonJS functions of
// site (files .js/.cjs without import/export, and directories with such a
// main file), sharing site's package.json and node_modules by symlink.
func zisiSubset(site string) (string, error) {
	dir, err := os.MkdirTemp(filepath.Dir(site), ".benchcmp-subset-")
	if err != nil {
		return "", err
	}
	for _, name := range []string{"package.json", "node_modules"} {
		if err := os.Symlink(filepath.Join(site, name), filepath.Join(dir, name)); err != nil {
			return "", err
		}
	}
	src := filepath.Join(site, "netlify", "functions")
	dst := filepath.Join(dir, "netlify", "functions")
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", err
	}
	for _, e := range entries {
		main := filepath.Join(src, e.Name())
		if e.IsDir() {
			main = ""
			for _, cand := range []string{e.Name() + ".js", "index.js"} {
				if _, err := os.Stat(filepath.Join(src, e.Name(), cand)); err == nil {
					main = filepath.Join(src, e.Name(), cand)
					break
				}
			}
		}
		if main == "" || (filepath.Ext(main) != ".js" && filepath.Ext(main) != ".cjs") || looksESM(main) {
			continue
		}
		if err := os.CopyFS(filepath.Join(dst, e.Name()), os.DirFS(filepath.Join(src, e.Name()))); err != nil && e.IsDir() {
			return "", err
		} else if !e.IsDir() {
			data, err := os.ReadFile(main)
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}

func looksESM(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "export ") {
			return true
		}
	}
	return false
}
