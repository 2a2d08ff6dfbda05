// Command benchcmp times the reference zip-it-and-ship-it and zisi on the
// same site in one run: the two alternate, each run gets a fresh output
// directory, and the median wall time and peak resident memory (from the
// kernel's rusage of the process) are reported with the ratios.
//
//	go run ./cmd/benchcmp -zisi bin/zisi -reference .cache/reference -runs 3 SITE_DIR
//
// With -subset zisi, only the functions the reference bundles with its
// zisi bundler (CommonJS .js/.cjs files and directories) are copied into a
// temporary site next to the original, for comparisons limited to what
// both tools build.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall  time.Duration
	rssKB int64
}

type tool struct {
	name    string
	command func(src, dest string) *exec.Cmd
	samples []sample
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("benchcmp", flag.ContinueOnError)
	fl.SetOutput(stderr)
	zisiBin := fl.String("zisi", "bin/zisi", "zisi binary")
	ref := fl.String("reference", ".cache/reference", "directory where @netlify/zip-it-and-ship-it is installed")
	runs := fl.Int("runs", 3, "runs per tool")
	subset := fl.String("subset", "", `"zisi": only the functions the reference bundles with zisi`)
	config := fl.String("config", "", "netlify.toml for zisi; the reference gets -reference-config")
	refConfig := fl.String("reference-config", "{}", "the reference CLI's --config JSON")
	label := fl.String("label", "default settings", "what this comparison measures, for the report")
	if err := fl.Parse(args); err != nil || fl.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: benchcmp [flags] SITE_DIR")
		return 2
	}
	site, _ := filepath.Abs(fl.Arg(0))
	src := filepath.Join(site, "netlify", "functions")
	if *subset == "zisi" {
		var err error
		if site, err = zisiSubset(site); err != nil {
			fmt.Fprintln(stderr, "benchcmp:", err)
			return 1
		}
		defer os.RemoveAll(site)
		src = filepath.Join(site, "netlify", "functions")
	}
	zisiPath, _ := filepath.Abs(*zisiBin)
	refCLI, _ := filepath.Abs(filepath.Join(*ref, "node_modules", ".bin", "zip-it-and-ship-it"))
	tools := []*tool{
		{name: "reference", command: func(src, dest string) *exec.Cmd {
			return exec.Command("node", refCLI, "--config", *refConfig, src, dest)
		}},
		{name: "zisi", command: func(src, dest string) *exec.Cmd {
			args := []string{"build", "-q", src, dest}
			if *config != "" {
				args = append([]string{"build", "-q", "--config", *config}, args[2:]...)
			}
			return exec.Command(zisiPath, args...)
		}},
	}
	for i := 0; i < *runs; i++ {
		for _, t := range tools {
			s, err := measure(t, site, src)
			if err != nil {
				fmt.Fprintf(stderr, "benchcmp: %s run %d: %v\n", t.name, i+1, err)
				return 1
			}
			t.samples = append(t.samples, s)
			fmt.Fprintf(stderr, "%-9s run %d: %6.2fs %7.1f MB\n", t.name, i+1, s.wall.Seconds(), float64(s.rssKB)/1024)
		}
	}
	report(stdout, *label, site, tools)
	return 0
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
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%v: %s", err, lastLines(errb.String(), 5))
	}
	s := sample{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rssKB = ru.Maxrss
	}
	return s, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func report(w io.Writer, label, site string, tools []*tool) {
	wall := map[string]float64{}
	rss := map[string]float64{}
	for _, t := range tools {
		var ws, rs []float64
		for _, s := range t.samples {
			ws = append(ws, s.wall.Seconds())
			rs = append(rs, float64(s.rssKB)/1024)
		}
		wall[t.name], rss[t.name] = median(ws), median(rs)
	}
	fns, _ := os.ReadDir(filepath.Join(site, "netlify", "functions"))
	fmt.Fprintf(w, "| %s (%d entries, %d runs each, %d CPUs) | median wall | peak RSS |\n|---|---|---|\n", label, len(fns), len(tools[0].samples), runtime.NumCPU())
	for _, t := range tools {
		fmt.Fprintf(w, "| %s | %.2f s | %.0f MB |\n", t.name, wall[t.name], rss[t.name])
	}
	fmt.Fprintf(w, "| reference / zisi | %.1fx | %.1fx |\n", wall["reference"]/wall["zisi"], rss["reference"]/rss["zisi"])
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
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
