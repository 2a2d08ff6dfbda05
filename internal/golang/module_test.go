package golang

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

func TestFindModule(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"own/go.mod":              "module example.com/own\n\ngo 1.22.3\n",
		"own/main.go":             "package main\n",
		"parent/go.mod":           "module example.com/parent\n\ngo 1.21\n",
		"parent/fns/a/main.go":    "package main\n",
		"vend/go.mod":             "module example.com/vend\n",
		"vend/vendor/modules.txt": "",
		"ws/go.work":              "go 1.23\n\nuse (\n\t./fn\n\t./lib\n)\n",
		"ws/fn/go.mod":            "module example.com/fn\n\ngo 1.22\n",
		"ws/lib/go.mod":           "module example.com/lib\n\ngo 1.22\n",
		"ws/vendor/modules.txt":   "",
		"ws/left-out/go.mod":      "module example.com/leftout\n",
		"broken/go.mod":           "module example.com/broken\n\ngo 1.22\nrequire (\n",
		"nomodule/go.mod":         "go 1.22\n",
		"badwork/go.work":         "use ./fn\nbogus directive\n",
		"badwork/fn/go.mod":       "module example.com/fn\n",
		"none/main.go":            "package main\n",
	})
	t.Run("own go.mod", func(t *testing.T) {
		m, err := FindModule(filepath.Join(root, "own"), "off")
		if err != nil {
			t.Fatal(err)
		}
		if m.Path != "example.com/own" || m.GoVersion != "1.22.3" || m.Dir != filepath.Join(root, "own") || m.Vendor || m.Work != nil {
			t.Errorf("got %+v", m)
		}
	})
	t.Run("go.mod in a parent, as go finds it", func(t *testing.T) {
		m, err := FindModule(filepath.Join(root, "parent/fns/a"), "off")
		if err != nil {
			t.Fatal(err)
		}
		if m.Dir != filepath.Join(root, "parent") || m.RequiredGo() != "1.21" {
			t.Errorf("got %+v", m)
		}
	})
	t.Run("vendor beside go.mod", func(t *testing.T) {
		m, err := FindModule(filepath.Join(root, "vend"), "off")
		if err != nil || !m.Vendor {
			t.Errorf("got %+v, %v; want vendor mode", m, err)
		}
	})
	t.Run("workspace above", func(t *testing.T) {
		m, err := FindModule(filepath.Join(root, "ws/fn"), "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Work == nil || m.Work.File != filepath.Join(root, "ws/go.work") || !m.Vendor {
			t.Fatalf("got %+v: the go.work above must apply, with its vendor folder", m)
		}
		if m.RequiredGo() != "1.23" {
			t.Errorf("required go %q, want the workspace's 1.23 (newer than the module's)", m.RequiredGo())
		}
	})
	t.Run("GOWORK=off ignores the workspace", func(t *testing.T) {
		m, err := FindModule(filepath.Join(root, "ws/fn"), "off")
		if err != nil || m.Work != nil || m.Vendor {
			t.Errorf("got %+v, %v", m, err)
		}
	})
	t.Run("GOWORK names a file", func(t *testing.T) {
		m, err := FindModule(filepath.Join(root, "own"), filepath.Join(root, "ws/go.work"))
		if !errors.Is(err, ErrModule) || !strings.Contains(err.Error(), "go work use") {
			t.Errorf("got %+v, %v: own is not in that workspace", m, err)
		}
	})
	errCases := []struct {
		dir    string
		target error
		want   []string
	}{
		{"none", ErrNoModule, []string{filepath.Join(root, "none"), "go mod init"}},
		{"broken", ErrModule, []string{filepath.Join(root, "broken/go.mod") + ":4", "fix"}},
		{"nomodule", ErrModule, []string{"no module directive"}},
		{"ws/left-out", ErrModule, []string{"does not use module", "go work use ./left-out", "GOWORK=off"}},
		{"badwork/fn", ErrModule, []string{filepath.Join(root, "badwork/go.work") + ":2"}},
	}
	for _, c := range errCases {
		t.Run("error "+c.dir, func(t *testing.T) {
			_, err := FindModule(filepath.Join(root, c.dir), "")
			if !errors.Is(err, c.target) {
				t.Fatalf("got %v, want %v", err, c.target)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	t.Parallel()
	m := &Module{GoMod: "/fn/go.mod", GoVersion: "1.27"}
	cases := []struct {
		toolchain, version string
		ok                 bool
	}{
		{"local", "go1.26.8", false},
		{"", "go1.26.8", false},
		{"local", "go1.27.0", true},
		{"local", "go1.27rc1", true}, // go 1.27 is the language version; rc1 provides it
		{"auto", "go1.26.8", true},
		{"local+auto", "go1.26.8", true},
		{"go1.25.0+path", "go1.26.8", true},
		{"go1.28.1", "go1.26.8", true},
		{"go1.26.0", "go1.26.8", false},
	}
	for _, c := range cases {
		tc := &Toolchain{Version: c.version, GOTOOLCHAIN: c.toolchain}
		err := tc.CheckVersion(m)
		if c.ok && err != nil {
			t.Errorf("GOTOOLCHAIN=%q %s: %v", c.toolchain, c.version, err)
		}
		if !c.ok {
			if !errors.Is(err, ErrGoVersion) {
				t.Errorf("GOTOOLCHAIN=%q %s: got %v, want ErrGoVersion", c.toolchain, c.version, err)
				continue
			}
			for _, w := range []string{"/fn/go.mod", "requires go 1.27", "GOTOOLCHAIN=auto"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		}
	}
	if err := (&Toolchain{Version: "go1.20", GOTOOLCHAIN: "local"}).CheckVersion(&Module{}); err != nil {
		t.Errorf("no go directive: %v", err)
	}
}

func TestHints(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"main.go:5:2: missing go.sum entry for module providing package github.com/x/y": "go mod tidy",
		"main.go:5:2: no required module provides package github.com/x/y; to add it:":   "go get",
		"go: inconsistent vendoring in /fn:":                                            "go mod vendor",
		"./main.go:3:2: undefined: foo":                                                 "",
	}
	for out, want := range cases {
		got := hintFor(out, "/fn")
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("hint for %q = %q, want one with %q", out, got, want)
		}
		if want != "" && !strings.Contains(got, `"/fn"`) {
			t.Errorf("hint %q does not name the module folder", got)
		}
	}
}

func TestArgs(t *testing.T) {
	t.Parallel()
	got := strings.Join(Args(Request{Out: "/o/bootstrap"}, &Module{Vendor: true}), " ")
	want := "build -o /o/bootstrap -trimpath -buildvcs=false -ldflags=-s -w -tags=lambda.norpc -mod=vendor ."
	if got != want {
		t.Errorf("args %q, want %q", got, want)
	}
}
