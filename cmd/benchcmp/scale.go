package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/flate"
)

// The scale benchmark (benchcmp -scale 40,200,1000 -sites DIR): one
// generated site per size, zisi built cold on each, the reference on the
// smaller ones, and the floor of each build measured in the same run.
//
// Sites are made by shared/bench/make-site.sh. The first size installs the
// packages; the others get a hard-linked copy of its node_modules (real
// folders, so tracing sees a normal site, for no extra disk), then
// make-site.sh writes their functions.

// scaleMarker opens the scale section of the report file; the section
// runs to the end of the file, so make bench keeps it and bench-scale
// replaces only it.
const scaleMarker = "<!-- bench-scale: written by make bench-scale -->"

// scaleRun is one timed run of a tool.
type scaleRun struct {
	wall, cpu time.Duration
	rssKB     int64
	outBytes  int64
	// idle is the share of the wall time, in windows of idleWindow, in
	// which the process tree kept less than NumCPU-0.5 cores busy.
	idle float64
}

// idleWindow is the window the busy cores are averaged over.
const idleWindow = 200 * time.Millisecond

// cpuSample is the process tree's CPU time (clock ticks) at a moment.
type cpuSample struct {
	at    time.Duration
	ticks int64
}

// idleShare is the share of the samples' span, in idleWindow windows,
// during which fewer than cores-0.5 cores were busy.
func idleShare(samples []cpuSample, cores int) float64 {
	if len(samples) < 2 {
		return 0
	}
	const hz = 100 // USER_HZ, the unit of /proc/PID/stat times
	var idle, total time.Duration
	last := samples[0]
	for _, s := range samples[1:] {
		if s.at-last.at < idleWindow {
			continue
		}
		span := s.at - last.at
		busy := float64(s.ticks-last.ticks) / hz / span.Seconds()
		if busy < float64(cores)-0.5 {
			idle += span
		}
		total += span
		last = s
	}
	if total == 0 {
		return 0
	}
	return idle.Seconds() / total.Seconds()
}

// scaleRow is the figures of one tool on one site.
type scaleRow struct {
	tool string
	runs []scaleRun
}

func (r scaleRow) median() (wall, util, rssMB, outMB float64) {
	var ws, us, rs, bs []float64
	for _, s := range r.runs {
		ws = append(ws, s.wall.Seconds())
		us = append(us, s.cpu.Seconds()/s.wall.Seconds())
		rs = append(rs, float64(s.rssKB)/1024)
		bs = append(bs, float64(s.outBytes)/1e6)
	}
	return median(ws), median(us), median(rs), median(bs)
}

// scaleSite is one size's results.
type scaleSite struct {
	n          int
	functions  int
	generation string
	rows       []scaleRow
	// copy and deflate are the floor's two parts (medians); unique is the
	// number of unique input bytes deflated.
	copy, deflate time.Duration
	unique        int64
}

func runScale(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("benchcmp -scale", flag.ContinueOnError)
	fl.SetOutput(stderr)
	sizes := fl.String("scale", "40,200,1000", "site sizes (functions), comma-separated")
	sitesDir := fl.String("sites", ".cache/bench-scale", "folder for the generated sites (reused when present)")
	makeSite := fl.String("make-site", "../shared/bench/make-site.sh", "the site generator")
	zisiBin := fl.String("zisi", "bin/zisi", "zisi binary")
	ref := fl.String("reference", ".cache/reference", "directory where @netlify/zip-it-and-ship-it is installed")
	refMax := fl.Int("reference-max", 200, "run the reference only on sites of at most this many functions")
	runs := fl.Int("runs", 3, "runs per tool and site")
	out := fl.String("out", "", "write the report into this markdown file's scale section")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: benchcmp -scale 40,200,1000 [-sites DIR] [flags]")
		return 2
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "benchcmp: -scale %q: sizes are positive numbers of functions, such as 40,200,1000\n", *sizes)
			return 2
		}
		ns = append(ns, n)
	}
	zisi, _ := filepath.Abs(*zisiBin)
	refCLI, _ := filepath.Abs(filepath.Join(*ref, "node_modules", ".bin", "zip-it-and-ship-it"))
	gen, _ := filepath.Abs(*makeSite)
	dir, _ := filepath.Abs(*sitesDir)
	loadBefore := loadavg()
	var sites []*scaleSite
	var first string
	for _, n := range ns {
		site := filepath.Join(dir, fmt.Sprintf("site-%d", n))
		took, err := generate(gen, site, first, n)
		if err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
		if first == "" {
			first = site
		}
		fns, _ := os.ReadDir(filepath.Join(site, "netlify", "functions"))
		s := &scaleSite{n: n, functions: len(fns), generation: took}
		tools := []scaleRow{{tool: "zisi"}}
		if n <= *refMax {
			tools = append(tools, scaleRow{tool: "reference"})
		}
		var keep string
		for i := 0; i < *runs; i++ {
			for t := range tools {
				var cmd func(src, dest string) *exec.Cmd
				if tools[t].tool == "zisi" {
					args := []string{"build", "-q"}
					if hasNoCache(zisi) {
						args = append(args, "--no-cache") // cold builds
					}
					cmd = func(src, dest string) *exec.Cmd { return exec.Command(zisi, append(args, src, dest)...) }
				} else {
					cmd = func(src, dest string) *exec.Cmd { return exec.Command("node", refCLI, "--config", "{}", src, dest) }
				}
				last := tools[t].tool == "zisi" && i == *runs-1
				r, dest, err := timeRun(cmd, site, last)
				if err != nil {
					fmt.Fprintf(stderr, "benchcmp: site of %d, %s, run %d: %v\n", n, tools[t].tool, i+1, err)
					return 1
				}
				if last {
					keep = dest
				}
				tools[t].runs = append(tools[t].runs, r)
				fmt.Fprintf(stderr, "site-%-5d %-9s run %d: %6.2fs wall, %5.2fs cpu, %3.0f%% with a core idle, %7.1f MB RSS, %8.2f MB out\n",
					n, tools[t].tool, i+1, r.wall.Seconds(), r.cpu.Seconds(), 100*r.idle, float64(r.rssKB)/1024, float64(r.outBytes)/1e6)
			}
		}
		s.rows = tools
		err = floor(s, keep, *runs)
		os.RemoveAll(keep)
		if err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
		fmt.Fprintf(stderr, "site-%-5d floor: copy %.2fs, deflate %.2fs (%.1f MB unique)\n", n, s.copy.Seconds(), s.deflate.Seconds(), float64(s.unique)/1e6)
		sites = append(sites, s)
	}
	report := scaleReport(sites, version(zisi), loadBefore, loadavg())
	fmt.Fprint(stdout, report)
	if *out != "" {
		if err := writeSection(*out, report); err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
	}
	return 0
}

// generate makes the site of n functions at site unless an earlier run
// left it, sharing node_modules with first (hard links) when given. It
// says how long generation took.
func generate(gen, site, first string, n int) (string, error) {
	ready := filepath.Join(site, ".ready")
	if data, err := os.ReadFile(ready); err == nil {
		return "reused (made in " + strings.TrimSpace(string(data)) + ")", nil
	}
	start := time.Now()
	how := "npm install"
	if _, err := os.Stat(filepath.Join(site, "node_modules")); err == nil {
		how = "node_modules already there"
	}
	if first != "" {
		how = "node_modules hard-linked"
		if err := os.MkdirAll(site, 0o755); err != nil {
			return "", fmt.Errorf("create site folder %q: %w", site, err)
		}
		for _, name := range []string{"node_modules", "package-lock.json"} {
			if _, err := os.Lstat(filepath.Join(site, name)); err == nil {
				continue // there already
			}
			if _, err := os.Lstat(filepath.Join(first, name)); err != nil {
				continue // nothing to share (no lock file)
			}
			if out, err := exec.Command("cp", "-al", filepath.Join(first, name), filepath.Join(site, name)).CombinedOutput(); err != nil {
				return "", fmt.Errorf("share %s of %q with %q: cp -al: %w: %s", name, first, site, err, out)
			}
		}
	}
	cmd := exec.Command("bash", gen, site, strconv.Itoa(n))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("generate the site of %d functions: %s %s %d: %w: %s", n, gen, site, n, err, lastLines(string(out), 5))
	}
	took := fmt.Sprintf("%.1f s, %s", time.Since(start).Seconds(), how)
	if err := os.WriteFile(ready, []byte(took+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("mark %q generated: %w", site, err)
	}
	return took, nil
}

// timeRun runs one build of site into a fresh, empty output folder and
// measures it. The folder is removed unless keep is set, when it is
// returned for the floor.
func timeRun(command func(src, dest string) *exec.Cmd, site string, keep bool) (scaleRun, string, error) {
	dest, err := os.MkdirTemp("", "benchcmp-scale-")
	if err != nil {
		return scaleRun{}, "", err
	}
	if !keep {
		defer os.RemoveAll(dest)
	}
	cmd := command(filepath.Join(site, "netlify", "functions"), dest)
	cmd.Dir = site
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	// The run before left its output to the page cache: written back now,
	// not while this run is timed (the reference's 500 MB, written back
	// during the zisi run after it, cost that run a tenth of its wall).
	syscall.Sync()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return scaleRun{}, "", err
	}
	done := watch(cmd, start)
	err = cmd.Wait()
	peakKB, samples := done()
	r := scaleRun{wall: time.Since(start), rssKB: peakKB}
	r.idle = idleShare(samples, runtime.NumCPU())
	if err != nil {
		os.RemoveAll(dest)
		return scaleRun{}, "", fmt.Errorf("%v: %s", err, lastLines(errb.String(), 5))
	}
	// The process's rusage counts the children it waited for (the
	// reference's esbuild and go build).
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > r.rssKB {
		r.rssKB = ru.Maxrss
	}
	r.outBytes, err = treeBytes(dest)
	return r, dest, err
}

// treeBytes sums the sizes of the regular files under dir.
func treeBytes(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			total += fi.Size()
		}
		return err
	})
	return total, err
}

// floor measures, runs times each, what no build of this output can beat:
// copying the output folder (cp -r; the source is in the page cache, as a
// build's inputs are) and deflating the unique input bytes once, at
// zisi's compression level, on every core. The unique inputs are the
// distinct contents (CRC-32 and size) of the entries of out's archives,
// loaded into memory before the clock starts.
func floor(s *scaleSite, out string, runs int) error {
	var copies, deflates []float64
	for i := 0; i < runs; i++ {
		dst, err := os.MkdirTemp("", "benchcmp-floor-")
		if err != nil {
			return err
		}
		syscall.Sync() // as before each build
		start := time.Now()
		cmdOut, err := exec.Command("cp", "-r", out+"/.", dst).CombinedOutput()
		copies = append(copies, time.Since(start).Seconds())
		os.RemoveAll(dst)
		if err != nil {
			return fmt.Errorf("floor: cp -r %q: %w: %s", out, err, cmdOut)
		}
	}
	blobs, err := uniqueContents(out)
	if err != nil {
		return err
	}
	for _, b := range blobs {
		s.unique += int64(len(b))
	}
	for i := 0; i < runs; i++ {
		d, err := deflateAll(blobs, runtime.NumCPU())
		if err != nil {
			return err
		}
		deflates = append(deflates, d.Seconds())
	}
	s.copy = time.Duration(median(copies) * float64(time.Second))
	s.deflate = time.Duration(median(deflates) * float64(time.Second))
	return nil
}

// uniqueContents reads every entry of the zips in dir and keeps one copy
// of each distinct content.
func uniqueContents(dir string) ([][]byte, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.zip"))
	if err != nil {
		return nil, err
	}
	type key struct {
		crc  uint32
		size uint64
	}
	seen := map[key]bool{}
	var blobs [][]byte
	for _, p := range paths {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, fmt.Errorf("floor: read %q: %w", p, err)
		}
		for _, f := range zr.File {
			k := key{f.CRC32, f.UncompressedSize64}
			if seen[k] || f.Mode()&fs.ModeSymlink != 0 {
				continue
			}
			seen[k] = true
			rc, err := f.Open()
			if err != nil {
				zr.Close()
				return nil, fmt.Errorf("floor: read %s in %q: %w", f.Name, p, err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				zr.Close()
				return nil, fmt.Errorf("floor: read %s in %q: %w", f.Name, p, err)
			}
			blobs = append(blobs, data)
		}
		zr.Close()
	}
	return blobs, nil
}

// floorLevel is zisi's DEFLATE level (internal/archive's deflateLevel)
// with the same compressor.
const floorLevel = 6

// deflateAll compresses every blob once on workers goroutines, largest
// first so that the last one to finish is small.
func deflateAll(blobs [][]byte, workers int) (time.Duration, error) {
	order := make([]int, len(blobs))
	for i := range order {
		order[i] = i
	}
	// Largest first: a big file picked last would leave cores idle.
	sortBySize(order, blobs)
	next := make(chan int, len(order))
	for _, i := range order {
		next <- i
	}
	close(next)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			fw, err := flate.NewWriter(&buf, floorLevel)
			if err != nil {
				errs <- err
				return
			}
			for i := range next {
				buf.Reset()
				fw.Reset(&buf)
				if _, err := fw.Write(blobs[i]); err != nil {
					errs <- err
					return
				}
				if err := fw.Close(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, fmt.Errorf("floor: deflate: %w", err)
	}
	return took, nil
}

func sortBySize(order []int, blobs [][]byte) {
	slices.SortStableFunc(order, func(a, b int) int { return len(blobs[b]) - len(blobs[a]) })
}

// loadavg is /proc/loadavg's first three fields.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// scaleReport is the markdown section: the table, the ratios and how it
// was measured.
func scaleReport(sites []*scaleSite, zisiVersion, loadBefore, loadAfter string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n## Scale\n\n", scaleMarker)
	fmt.Fprintf(&b, "Command: `make bench-scale` (`go run ./cmd/benchcmp -scale 40,200,1000`). zisi: %s.\n", zisiVersion)
	fmt.Fprintf(&b, "Machine: %d CPUs, %s/%s; load average (1, 5, 15 min) %s before, %s after.\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, loadBefore, loadAfter)
	fmt.Fprintf(&b, "Each site is `make-site.sh DIR N` (N functions plus one Go function). Each build starts from an\n")
	fmt.Fprintf(&b, "empty output folder, after a sync (so no run pays for writing back the one before); the per-user\n")
	fmt.Fprintf(&b, "caches a second build on a machine has are warm (Go's build and module caches for the Go\n")
	fmt.Fprintf(&b, "function, zisi's cached v2 bootstrap package) and so is the page cache.\n")
	fmt.Fprintf(&b, "Wall, CPU utilisation ((user+sys)/wall, 2.00 = both cores busy), \"a core idle\" (the share of the\n")
	fmt.Fprintf(&b, "wall time, in %v windows sampled from /proc, in which the process tree kept fewer than %.1f cores\n", idleWindow, float64(runtime.NumCPU())-0.5)
	fmt.Fprintf(&b, "busy; on a shared machine other work counts as idle here), peak RSS (process tree) and\n")
	fmt.Fprintf(&b, "output (all files written) are medians. The floor is copying zisi's output folder (`cp -r`) plus\n")
	fmt.Fprintf(&b, "deflating the distinct contents of its archives once, at zisi's level, on every core.\n\n")
	b.WriteString("| site | tool | median wall | CPU util. | a core idle | peak RSS | output | floor (copy + deflate) | wall / floor | reference / zisi |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var wall200, wall1000 float64
	for _, s := range sites {
		zw, _, _, _ := s.rows[0].median()
		fl := (s.copy + s.deflate).Seconds()
		switch s.n {
		case 200:
			wall200 = zw
		case 1000:
			wall1000 = zw
		}
		for _, r := range s.rows {
			w, u, rss, out := r.median()
			var idles []float64
			for _, run := range r.runs {
				idles = append(idles, run.idle)
			}
			floorCell, ratio, vs := "", "", ""
			if r.tool == "zisi" {
				floorCell = fmt.Sprintf("%.2f s (%.2f + %.2f; %.0f MB unique)", fl, s.copy.Seconds(), s.deflate.Seconds(), float64(s.unique)/1e6)
				ratio = fmt.Sprintf("%.2fx", w/fl)
			} else {
				vs = fmt.Sprintf("**%.1fx**", w/zw)
			}
			fmt.Fprintf(&b, "| %d functions (%d entries) | %s | %.2f s | %.2f | %.0f%% | %.0f MB | %.1f MB | %s | %s | %s |\n",
				s.n, s.functions, r.tool, w, u, 100*median(idles), rss, out, floorCell, ratio, vs)
		}
	}
	if wall200 > 0 && wall1000 > 0 {
		fmt.Fprintf(&b, "\n1,000-function wall / 200-function wall: **%.2fx** (5x the functions).\n", wall1000/wall200)
	}
	b.WriteString("\nSite generation:")
	for _, s := range sites {
		fmt.Fprintf(&b, " %d functions %s;", s.n, s.generation)
	}
	b.WriteString(" later sizes share the first one's node_modules.\n")
	return b.String()
}

// writeSection replaces the scale section of the markdown file at path
// (from scaleMarker to the end), or appends one.
func writeSection(path, section string) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %q: %w", path, err)
	}
	doc := string(data)
	if i := strings.Index(doc, scaleMarker); i >= 0 {
		doc = doc[:i]
	}
	doc = strings.TrimRight(doc, "\n")
	if doc != "" {
		doc += "\n\n"
	}
	if err := os.WriteFile(path, []byte(doc+section), 0o644); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}

// scaleSection is the scale section of the markdown file at path, or "".
func scaleSection(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if i := bytes.Index(data, []byte(scaleMarker)); i >= 0 {
		return string(data[i:])
	}
	return ""
}
