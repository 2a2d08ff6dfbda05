package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/internal/archive"
)

// reportOptions says how a build is shown.
type reportOptions struct {
	quiet, verbose bool
	// live is set when stderr is a terminal: a status line names what is
	// in flight, and the table of functions comes at the end. Otherwise
	// (CI) each function's line is printed as it finishes.
	live bool
	// paint colours the output.
	paint painter
	// err is the build's error.
	err error
}

// view renders a build's events: it only formats what the library
// reports (bundler.Event), it decides nothing.
type view struct {
	w io.Writer
	o reportOptions

	mu       sync.Mutex
	inflight []string          // started, not finished, in start order
	steps    map[string]string // a function's current long step
	elapsed  map[string]time.Duration
	done     int
	total    int
	drawn    bool
	width    int
}

func newView(w io.Writer, o reportOptions) *view {
	return &view{w: w, o: o, steps: map[string]string{}, elapsed: map[string]time.Duration{}, width: 100}
}

// event is the bundler.Options.OnEvent callback.
func (v *view) event(ev bundler.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.total = max(v.total, ev.Total)
	switch ev.Kind {
	case bundler.EventStart:
		v.inflight = append(v.inflight, ev.Function)
	case bundler.EventStep:
		v.steps[ev.Function] = ev.Step
		if !v.o.live && !v.o.quiet {
			fmt.Fprintf(v.w, "  %s: %s\n", ev.Function, ev.Step)
		}
	case bundler.EventDone:
		v.done = ev.Done
		v.elapsed[ev.Function] = ev.Elapsed
		v.inflight = slices.DeleteFunc(v.inflight, func(n string) bool { return n == ev.Function })
		delete(v.steps, ev.Function)
		if !v.o.live && !v.o.quiet {
			v.line(ev.Result, ev.Err, ev.Function, ev.Runtime)
		}
	}
	if v.o.live && !v.o.quiet {
		v.status()
	}
}

// status redraws the live line: done/total and what is being built.
func (v *view) status() {
	var parts []string
	for _, n := range v.inflight {
		if s := v.steps[n]; s != "" {
			n += " (" + s + ")"
		}
		parts = append(parts, n)
	}
	line := fmt.Sprintf("[%d/%d] building %s", v.done, v.total, strings.Join(parts, ", "))
	if len(parts) == 0 {
		line = fmt.Sprintf("[%d/%d]", v.done, v.total)
	}
	if r := []rune(line); len(r) > v.width {
		line = string(r[:v.width-1]) + "…"
	}
	fmt.Fprintf(v.w, "\r\x1b[K%s", line)
	v.drawn = true
}

// clear removes the live line.
func (v *view) clear() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.drawn {
		fmt.Fprint(v.w, "\r\x1b[K")
		v.drawn = false
	}
}

// line prints one function: name, runtime, bundler, size, time, path; or
// that it failed (the error comes with the summary).
func (v *view) line(r *bundler.FunctionResult, ferr *bundler.FunctionError, name, runtime string) {
	took := formatDuration(v.elapsed[name])
	if r == nil {
		fmt.Fprintf(v.w, "  %-28s %-3s %s  %8s\n", name, runtime, v.o.paint.red("failed"), took)
		return
	}
	tool := cmp.Or(r.Bundler, "-")
	if r.Cached {
		took = "cached"
	}
	size := "dir"
	if r.Size > 0 {
		size = archive.FormatSize(r.Size)
	}
	fmt.Fprintf(v.w, "  %-28s %-3s %-8s %10s %8s  %s\n", r.Name, r.Runtime, tool, size, took, r.Path)
	if !v.o.verbose {
		return
	}
	if r.BundlerReason != "" {
		fmt.Fprintf(v.w, "      bundler: %s (%s)\n", tool, r.BundlerReason)
	}
	if r.Selection != nil {
		for _, p := range r.Selection.Omitted {
			name := cmp.Or(p.Package, p.Path)
			fmt.Fprintf(v.w, "      left out: %s (%s)\n", name, p.Why)
		}
	}
}

// report prints what follows the functions: the table (live mode), the
// v2 bootstrap, notes (verbose), warnings, failures (a cause shared by
// several functions once) and the summary.
func (v *view) report(rep *bundler.Report, dest string, took time.Duration) {
	v.clear()
	o, p := v.o, v.o.paint
	if o.live && !o.quiet {
		for i := range rep.Functions {
			v.line(&rep.Functions[i], nil, rep.Functions[i].Name, rep.Functions[i].Runtime)
		}
		for _, f := range rep.Failures {
			v.line(nil, f, f.Name, f.Runtime)
		}
	}
	if rep.Bootstrap != nil && !o.quiet {
		fmt.Fprintf(v.w, "v2 bootstrap: %s\n", rep.Bootstrap)
	}
	if o.verbose {
		for _, n := range rep.Notes {
			fmt.Fprintf(v.w, "%s %s\n", p.dim("note:"), n)
		}
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(v.w, "%s %s\n", p.yellow("warning:"), w)
	}
	for _, g := range groupFailures(rep.Failures) {
		if len(g.names) == 1 {
			fmt.Fprintf(v.w, "%s %s\n", p.red("error:"), g.first)
			continue
		}
		fmt.Fprintf(v.w, "%s %d functions failed the same way (%s):\n  %s\n", p.red("error:"), len(g.names), strings.Join(g.names, ", "), g.cause)
	}
	var size int64
	for _, r := range rep.Functions {
		size += r.Size
	}
	warnings := ""
	if c := rep.Cache; c != nil {
		warnings = fmt.Sprintf(", %d cached, %d built", c.Hits, c.Misses)
		if c.RemoteHits > 0 {
			warnings += fmt.Sprintf(" (%d from %s)", c.RemoteHits, c.Remote)
		}
	}
	if n := len(rep.Warnings); n > 0 {
		warnings += fmt.Sprintf(", %d warning%s", n, plural(n))
	}
	switch {
	case len(rep.Failures) > 0:
		fmt.Fprintf(v.w, "%s; nothing was published, manifest not written (the previous archives and manifest are left as they were); %s%s\n",
			p.red(fmt.Sprintf("%d of %d functions failed", len(rep.Failures), len(rep.Failures)+len(rep.Functions))), formatDuration(took), warnings)
	case errors.Is(o.err, bundler.ErrStrict):
		fmt.Fprintf(v.w, "%s: %d function%s built but not published (%d warning%s and --strict); the destination is as it was\n", p.red("strict"),
			len(rep.Functions), plural(len(rep.Functions)), len(rep.Warnings), plural(len(rep.Warnings)))
	case !o.quiet:
		fmt.Fprintf(v.w, "built %d function%s into %s in %s (%s%s); manifest: %s\n",
			len(rep.Functions), plural(len(rep.Functions)), filepath.Clean(dest), formatDuration(took), archive.FormatSize(size), warnings, rep.Manifest)
	}
	if len(rep.Removed) > 0 && !o.quiet {
		names := make([]string, len(rep.Removed))
		for i, p := range rep.Removed {
			names[i] = filepath.Base(p)
		}
		fmt.Fprintf(v.w, "removed %d output%s of the previous build that this build no longer produces: %s\n", len(names), plural(len(names)), strings.Join(names, ", "))
	}
}

// failureGroup is failures that share their cause.
type failureGroup struct {
	names []string
	first string // the first failure's whole message
	cause string // the message without the function's own prefix
}

// groupFailures folds failures with the same cause (the bootstrap fetch
// failing for every v2 function, say) so that it is printed once, whole.
func groupFailures(fs []*bundler.FunctionError) []failureGroup {
	var out []failureGroup
	index := map[string]int{}
	for _, f := range fs {
		cause := f.Err.Error()
		if i, ok := index[cause]; ok {
			out[i].names = append(out[i].names, f.Name)
			continue
		}
		index[cause] = len(out)
		out = append(out, failureGroup{names: []string{f.Name}, first: f.Error(), cause: cause})
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// formatDuration rounds to what a person reads: 340ms, 2.4s, 1m12s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// painter colours text for a terminal; the zero value does not.
type painter struct{ on bool }

func (p painter) wrap(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p painter) red(s string) string    { return p.wrap("31", s) }
func (p painter) yellow(s string) string { return p.wrap("33", s) }
func (p painter) dim(s string) string    { return p.wrap("2", s) }
