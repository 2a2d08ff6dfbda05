package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// rebuildCase is one row of the rebuild benchmark: how the cache and
// the site stand before the build that is timed.
type rebuildCase struct {
	name string
	// prepare runs before each timed build, untimed: it sets the caches
	// and the site up. It returns the extra arguments of the timed build.
	prepare func(r *rebuilds, run int) ([]string, error)
}

// rebuilds runs the build cache's benchmark on one site: a cold build,
// a rebuild with nothing changed, one after editing one function, and a
// build with an empty local cache from a warm remote one (a fresh CI
// machine), each runs times, into the same destination (every cache key
// covers it).
type rebuilds struct {
	zisi, site, src string
	dest, cache     string
	// remote is a file:// store (gocloud.dev/blob's local driver: the
	// code path an s3:// or gs:// store takes, without the network).
	remote string
	// edited is the main file the one-function edit changes; original
	// its content, restored afterwards.
	edited   string
	original []byte
	stderr   io.Writer
}

var cachedRE = regexp.MustCompile(`(\d+) cached, (\d+) built`)

// rebuildSample is one timed build.
type rebuildSample struct {
	wall          time.Duration
	rssKB         int64
	cached, built int
}

func (r *rebuilds) build(args ...string) (rebuildSample, error) {
	all := append([]string{"build", "--cache-dir", r.cache}, args...)
	cmd := exec.Command(r.zisi, append(all, r.src, r.dest)...)
	cmd.Dir = r.site
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return rebuildSample{}, err
	}
	done := watch(cmd, start)
	err := cmd.Wait()
	peakKB, _ := done()
	s := rebuildSample{wall: time.Since(start), rssKB: peakKB}
	if err != nil {
		return s, fmt.Errorf("%v: %s", err, lastLines(errb.String(), 5))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > s.rssKB {
		s.rssKB = ru.Maxrss
	}
	if m := cachedRE.FindStringSubmatch(errb.String()); m != nil {
		s.cached, _ = strconv.Atoi(m[1])
		s.built, _ = strconv.Atoi(m[2])
	}
	return s, nil
}

// reset empties the local cache and the destination.
func (r *rebuilds) reset() error {
	for _, d := range []string{filepath.Join(r.cache, "build"), r.dest} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

var rebuildCases = []rebuildCase{
	{"cold (empty cache)", func(r *rebuilds, _ int) ([]string, error) {
		return nil, r.reset()
	}},
	{"no change", func(r *rebuilds, _ int) ([]string, error) {
		_, err := r.build() // warms the cache (a no-op after the first run)
		return nil, err
	}},
	{"one function edited", func(r *rebuilds, run int) ([]string, error) {
		// A distinct edit each run, so every run rebuilds the function.
		content := append([]byte(nil), r.original...)
		content = fmt.Appendf(content, "\n// benchcmp edit %d %d\n", run, time.Now().UnixNano())
		if err := os.WriteFile(r.edited, content, 0o644); err != nil {
			return nil, err
		}
		// Past the cache's racy window, as a user's edit is.
		time.Sleep(50 * time.Millisecond)
		return nil, nil
	}},
	{"remote warm, empty local cache", func(r *rebuilds, _ int) ([]string, error) {
		// Fill the remote store once, then start each run from an empty
		// local cache and destination: a fresh CI machine.
		if entries, _ := os.ReadDir(r.remote); len(entries) == 0 {
			if err := r.reset(); err != nil {
				return nil, err
			}
			if _, err := r.build("--remote-cache", "file://"+r.remote); err != nil {
				return nil, err
			}
		}
		return []string{"--remote-cache", "file://" + r.remote}, r.reset()
	}},
}

// runRebuilds measures the rebuild rows for one site and returns the
// markdown section.
func runRebuilds(zisi, site string, runs int, stderr io.Writer) (string, error) {
	tmp, err := os.MkdirTemp("", "benchcmp-rebuild-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	r := &rebuilds{zisi: zisi, site: site, src: filepath.Join(site, "netlify", "functions"),
		dest: filepath.Join(tmp, "out"), cache: filepath.Join(tmp, "cache"), remote: filepath.Join(tmp, "remote"), stderr: stderr}
	// The v2 bootstrap lives in the per-user cache too: keep it warm, as
	// on any machine after its first build, by linking it in.
	if user := os.Getenv("ZISI_CACHE_DIR"); user != "" {
		os.MkdirAll(r.cache, 0o755)
		os.Symlink(filepath.Join(user, "bootstrap"), filepath.Join(r.cache, "bootstrap"))
	}
	if err := os.MkdirAll(r.remote, 0o755); err != nil {
		return "", err
	}
	if r.edited, err = firstMainFile(r.src); err != nil {
		return "", err
	}
	if r.original, err = os.ReadFile(r.edited); err != nil {
		return "", err
	}
	defer os.WriteFile(r.edited, r.original, 0o644)
	var b strings.Builder
	fmt.Fprintf(&b, "| build | median wall | vs cold | peak RSS | restored / built |\n|---|---|---|---|---|\n")
	var cold float64
	for _, c := range rebuildCases {
		var walls, rss []float64
		var last rebuildSample
		for i := range runs {
			args, err := c.prepare(r, i)
			if err != nil {
				return "", fmt.Errorf("%s: prepare: %w", c.name, err)
			}
			s, err := r.build(args...)
			if err != nil {
				return "", fmt.Errorf("%s, run %d: %w", c.name, i+1, err)
			}
			fmt.Fprintf(stderr, "rebuild %-32s run %d: %6.3fs %7.1f MB %d cached %d built\n", c.name, i+1, s.wall.Seconds(), float64(s.rssKB)/1024, s.cached, s.built)
			walls, rss, last = append(walls, s.wall.Seconds()), append(rss, float64(s.rssKB)/1024), s
		}
		w := median(walls)
		ratio := ""
		if cold == 0 {
			cold = w
		} else {
			ratio = "**" + times(cold/w, "faster", "slower") + "**"
		}
		fmt.Fprintf(&b, "| %s | %.3f s | %s | %.0f MB | %d / %d |\n", c.name, w, ratio, median(rss), last.cached, last.built)
	}
	fmt.Fprintf(&b, "\nEdited function: `%s` (a comment appended, a different one each run).\n", filepath.Base(r.edited))
	return b.String(), nil
}

// firstMainFile is the first .js file directly in the functions folder.
func firstMainFile(src string) (string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".js") {
			return filepath.Join(src, e.Name()), nil
		}
	}
	return "", fmt.Errorf("no .js function directly in %s to edit", src)
}
