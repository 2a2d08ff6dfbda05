package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/proctest"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestMain lets a test run the real command, signal handling included:
// with ZISI_TEST_MAIN_ARGS set, the test binary is zisi.
func TestMain(m *testing.M) {
	if args := os.Getenv("ZISI_TEST_MAIN_ARGS"); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			panic(err)
		}
		os.Args = append([]string{"zisi"}, list...)
		main()
	}
	os.Exit(m.Run())
}

// Ctrl-C during a build (here while go compiles the runtime for a Go
// function) stops zisi promptly: go and its compilers are killed, no
// temporary file is left, and the previous build is untouched.
func TestInterruptStopsBuild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to find the build's processes")
	}
	t.Parallel()
	fns, err := filepath.Abs("../../fixtures/go/netlify/functions")
	if err != nil {
		t.Fatal(err)
	}
	out, tmp := t.TempDir(), t.TempDir()
	testfs.Write(t, out, map[string]string{"manifest.json": "previous manifest", "old.zip": "previous archive"})
	// An empty Go build cache makes the build long enough to interrupt.
	gocache := filepath.Join(t.TempDir(), "interrupt-gocache")
	args, _ := json.Marshal([]string{"build", "-q", fns, out})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZISI_TEST_MAIN_ARGS="+string(args), "GOCACHE="+gocache, "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(strings.Join(proctest.With(gocache), "\n"), " -p runtime ") {
		select {
		case err := <-done:
			t.Fatalf("zisi ended before it could be interrupted: %v\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("go never started compiling the runtime")
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Errorf("exit %d (%v), want 1\n%s", code, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("zisi did not stop within 30s of SIGINT")
	}
	if left := proctest.With(gocache); len(left) > 0 {
		t.Errorf("processes left running: %q", left)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "manifest.json old.zip" {
		t.Errorf("output folder holds %v", names)
	}
	if m, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(m) != "previous manifest" {
		t.Errorf("manifest changed to %s", m)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if !strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("stderr does not say the build was cancelled:\n%s", stderr.String())
	}
}

// kill -9 in the middle of a build: the previous deploy is untouched, the
// staging folder is left behind (nothing can clean up after SIGKILL), and
// the next build recognises it and removes it.
func TestKilledBuildLeftoversAreRemoved(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs SIGKILL and flock")
	}
	t.Parallel()
	site, out := stressSite(t, 200), t.TempDir()
	testfs.Write(t, out, map[string]string{"manifest.json": "previous manifest", "f000.zip": "previous archive"})
	before := outputHashes(t, out)
	args, _ := json.Marshal([]string{"build", "-q", "--parallel", "1", filepath.Join(site, "fns"), out})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZISI_TEST_MAIN_ARGS="+string(args))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	staged := func() int {
		dirs, _ := filepath.Glob(filepath.Join(out, ".zisi-staging-*"))
		if len(dirs) == 0 {
			return 0
		}
		entries, _ := os.ReadDir(dirs[0])
		return len(entries)
	}
	for deadline := time.Now().Add(time.Minute); staged() < 5; {
		select {
		case err := <-done:
			t.Fatalf("zisi ended before it could be killed: %v", err)
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the build never staged an archive")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	if staged() == 0 {
		t.Fatal("no staging folder left: the build was not killed mid-way")
	}
	after := outputHashes(t, out)
	for name, h := range before {
		if after[name] != h {
			t.Errorf("%s changed after kill -9", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok && !strings.HasPrefix(name, ".zisi-staging-") {
			t.Errorf("kill -9 left %s outside the staging folder", name)
		}
	}
	if r := run(t, "build", "-q", filepath.Join(site, "fns"), out); r.code != 0 {
		t.Fatalf("rebuild: exit %d\n%s", r.code, r.stderr)
	}
	if staged() != 0 {
		t.Error("the next build did not remove the killed build's staging folder")
	}
}
