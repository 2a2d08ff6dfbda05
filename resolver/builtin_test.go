package resolver

import (
	"os/exec"
	"strings"
	"testing"
)

func TestIsBuiltin(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]bool{
		"fs": true, "node:fs": true, "fs/promises": true, "node:test": true, "node:sqlite": true,
		"test": false, "lodash": false, "fs/extra": false, "./fs": false, "@types/node": false, "": false,
	} {
		if got := IsBuiltin(spec); got != want {
			t.Errorf("IsBuiltin(%q) = %v, want %v", spec, got, want)
		}
	}
	if StripNodePrefix("node:path") != "path" || StripNodePrefix("lodash") != "lodash" {
		t.Error("StripNodePrefix")
	}
}

// TestBuiltinsCoverInstalledNode asks the installed node for its list.
func TestBuiltinsCoverInstalledNode(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("node", "-p", "require('module').builtinModules.join(' ')").Output()
	if err != nil {
		t.Fatalf("node is required for the tests: %v", err)
	}
	for _, name := range strings.Fields(string(out)) {
		if strings.HasPrefix(name, "node:") {
			continue
		}
		if !IsBuiltin(name) {
			t.Errorf("node lists %q as built in; IsBuiltin says no", name)
		}
	}
}
