// Package proctest finds processes for tests that must prove a build
// left none running (cancellation, interrupts).
package proctest

import (
	"os"
	"path/filepath"
	"strings"
)

// With lists the command lines of the running processes whose
// environment holds marker (Linux: read from /proc; empty elsewhere).
// Tests give the build a unique environment value, such as its GOCACHE,
// and look for it in every process the build may have started.
func With(marker string) []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []string
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err == nil && strings.Contains(string(env), marker) {
			cmd, _ := os.ReadFile(filepath.Join(d, "cmdline"))
			out = append(out, filepath.Base(d)+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}
