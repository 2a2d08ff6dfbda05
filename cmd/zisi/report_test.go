package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/bundler"
)

// events is a build of three functions as the library reports it: a Go
// function compiling while two Node.js functions finish.
func events() []bundler.Event {
	hello := &bundler.FunctionResult{Name: "hello", Runtime: "js", Bundler: "zisi", Size: 1536, Path: "out/hello.zip", BundlerReason: "default"}
	api := &bundler.FunctionResult{Name: "api", Runtime: "js", Bundler: "nft", Size: 3 << 20, Path: "out/api.zip"}
	return []bundler.Event{
		{Kind: bundler.EventStart, Function: "hello", Runtime: "js", Total: 3},
		{Kind: bundler.EventStart, Function: "gofn", Runtime: "go", Total: 3},
		{Kind: bundler.EventStep, Function: "gofn", Runtime: "go", Step: "go build for linux/amd64", Total: 3},
		{Kind: bundler.EventDone, Function: "hello", Runtime: "js", Result: hello, Elapsed: 120 * time.Millisecond, Done: 1, Total: 3},
		{Kind: bundler.EventStart, Function: "api", Runtime: "js", Total: 3},
		{Kind: bundler.EventDone, Function: "api", Runtime: "js", Result: api, Elapsed: 2400 * time.Millisecond, Done: 2, Total: 3},
		{Kind: bundler.EventDone, Function: "gofn", Runtime: "go", Err: &bundler.FunctionError{Name: "gofn", Runtime: "go", Err: errors.New("go build failed")}, Elapsed: 5 * time.Second, Done: 3, Total: 3},
	}
}

// TestViewStreamsWithoutATerminal: in CI each function's line is written
// the moment it finishes, with its time, and long steps are named.
func TestViewStreamsWithoutATerminal(t *testing.T) {
	var buf bytes.Buffer
	v := newView(&buf, reportOptions{})
	evs := events()
	v.event(evs[0])
	v.event(evs[1])
	v.event(evs[2])
	if got := buf.String(); got != "  gofn: go build for linux/amd64\n" {
		t.Errorf("before any function finished: %q", got)
	}
	v.event(evs[3])
	if !strings.Contains(buf.String(), "hello") || !strings.Contains(buf.String(), "1.5 KiB") || !strings.Contains(buf.String(), "120ms") {
		t.Errorf("hello's line was not written when it finished:\n%s", buf.String())
	}
	for _, e := range evs[4:] {
		v.event(e)
	}
	out := buf.String()
	for _, want := range []string{"api ", "3.0 MiB", "2.4s", "out/api.zip", "gofn", "failed", "5s"} {
		if !strings.Contains(out, want) {
			t.Errorf("stream lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") || strings.Contains(out, "\r") {
		t.Errorf("terminal control codes without a terminal:\n%q", out)
	}
}

// TestViewLiveStatusNamesWhatIsInFlight: on a terminal the status line
// names the functions being built, the Go compile included, not the last
// one that finished.
func TestViewLiveStatusNamesWhatIsInFlight(t *testing.T) {
	var buf bytes.Buffer
	v := newView(&buf, reportOptions{live: true})
	evs := events()
	for _, e := range evs[:4] {
		v.event(e)
	}
	frames := strings.Split(buf.String(), "\r\x1b[K")
	last := frames[len(frames)-1]
	if last != "[1/3] building gofn (go build for linux/amd64)" {
		t.Errorf("status after hello finished = %q", last)
	}
	v.event(evs[4])
	frames = strings.Split(buf.String(), "\r\x1b[K")
	if last := frames[len(frames)-1]; last != "[1/3] building gofn (go build for linux/amd64), api" {
		t.Errorf("status with two in flight = %q", last)
	}
	// No per-function lines while live: the table comes with the report.
	if strings.Contains(buf.String(), "\n") {
		t.Errorf("live mode printed lines during the build:\n%q", buf.String())
	}
}

func TestVerboseLineShowsDecisions(t *testing.T) {
	var buf bytes.Buffer
	v := newView(&buf, reportOptions{verbose: true})
	r := &bundler.FunctionResult{Name: "hello", Runtime: "js", Bundler: "zisi", BundlerReason: "default", Size: 10, Path: "out/hello.zip",
		Selection: &bundler.Selection{Omitted: []bundler.Pick{{Path: "/s/node_modules/aws-sdk", Package: "aws-sdk@2.1.0", Why: "runtime"}}}}
	v.event(bundler.Event{Kind: bundler.EventDone, Function: "hello", Runtime: "js", Result: r, Done: 1, Total: 1})
	for _, want := range []string{"bundler: zisi (default)", "left out: aws-sdk@2.1.0 (runtime)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("verbose line lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestReportSummary(t *testing.T) {
	var buf bytes.Buffer
	v := newView(&buf, reportOptions{live: true, paint: painter{on: true}})
	boot := errors.New("v2 functions need @netlify/serverless-functions-api@2.18.0: npm pack failed: E403")
	rep := &bundler.Report{
		Functions: []bundler.FunctionResult{{Name: "hello", Runtime: "js", Bundler: "zisi", Size: 2048, Path: "out/hello.zip"}},
		Failures: []*bundler.FunctionError{
			{Name: "a", Runtime: "js", Bundler: "nft", Err: boot},
			{Name: "b", Runtime: "js", Bundler: "nft", Err: boot},
		},
		Warnings: []bundler.Warning{{Message: "something to know"}},
	}
	v.report(rep, "out", 1500*time.Millisecond)
	out := buf.String()
	for _, want := range []string{
		"hello", "2.0 KiB",
		"\x1b[33mwarning:\x1b[0m something to know",
		"2 functions failed the same way (a, b):\n  v2 functions need @netlify/serverless-functions-api@2.18.0: npm pack failed: E403",
		"2 of 3 functions failed", "1.5s", "1 warning\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "npm pack failed") != 1 {
		t.Errorf("the shared cause is printed more than once:\n%s", out)
	}

	buf.Reset()
	v = newView(&buf, reportOptions{})
	v.report(&bundler.Report{Functions: rep.Functions, Manifest: "out/manifest.json", Removed: []string{"/x/out/old.zip"}}, "out", 80*time.Millisecond)
	if out := buf.String(); !strings.Contains(out, "built 1 function into out in 80ms (2.0 KiB); manifest: out/manifest.json") ||
		!strings.Contains(out, "removed 1 output of the previous build that this build no longer produces: old.zip") {
		t.Errorf("summary:\n%s", out)
	}
}

func TestColorFlag(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	r := run(t, "build", "--color", "sometimes", site, t.TempDir())
	if r.code != 2 || !strings.Contains(r.stderr, "--color must be auto, always or never") {
		t.Errorf("bad --color: exit %d %q", r.code, r.stderr)
	}
}
