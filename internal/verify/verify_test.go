package verify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/manifest"
)

func TestNodeMissing(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	testfs.Write(t, out, map[string]string{"manifest.json": `{"functions":[{"name":"a","path":"/x/a.zip","runtime":"js","mainFile":"/a.js","buildData":{}}],"system":{},"timestamp":0,"version":1}`})
	_, err := Dir(t.Context(), out, Options{Node: "/nonexistent/node"})
	if err == nil || !strings.Contains(err.Error(), "needs Node.js") {
		t.Fatalf("got %v", err)
	}
}

func TestFunctionRan(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	boot := frame{Loc: bootstrapName + ":2:100", Archive: true}
	entry := frame{Loc: entryPointName + ":1:80", Archive: true}
	user := frame{Loc: "netlify/functions/a.mjs:3:9", Archive: true}
	internal := frame{Loc: "node:internal/async_hooks:346:14"}
	tests := []struct {
		name   string
		r      runnerResult
		frame  string
		ok     bool
		reason string
	}{
		{"user frame below the bootstrap", runnerResult{Frames: []frame{user, boot}, Ran: &no}, user.Loc, true, ""},
		{"only bootstrap, nothing ran", runnerResult{Error: "TypeError: e.default is not a function\n    at …", Frames: []frame{internal, boot, entry}, Ran: &no}, "", false,
			"the v2 bootstrap threw before the function's code ran: TypeError: e.default is not a function (at ___netlify-bootstrap.mjs:2:100); the archive ships an incompatible @netlify/serverless-functions-api (version 1.2.3 from ___netlify-metadata.json); rebuild with zisi"},
		{"only node, function ran", runnerResult{Frames: []frame{internal}, Ran: &yes}, "", true, ""},
		{"only bootstrap, no coverage", runnerResult{Error: "E", Frames: []frame{boot}}, "", false,
			"the v2 bootstrap threw and its stack never reaches the function's code: E (at ___netlify-bootstrap.mjs:2:100)"},
		{"a thrown string, no coverage", runnerResult{Error: "oops"}, "", true, ""},
		{"only node, nothing ran", runnerResult{Error: "E", Frames: []frame{internal}, Ran: &no}, "", false,
			"the handler threw before the function's code ran: E (at node:internal/async_hooks:346:14)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			frame, ok := tt.r.functionRan()
			if frame != tt.frame || ok != tt.ok {
				t.Errorf("functionRan() = %q, %v; want %q, %v", frame, ok, tt.frame, tt.ok)
			}
			if tt.reason != "" {
				if got := tt.r.threwBeforeCode(true, "1.2.3").Error(); !strings.HasPrefix(got, tt.reason) {
					t.Errorf("reason %q\nwant     %q", got, tt.reason)
				}
			}
		})
	}
}

func TestCancelledStartsNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	fns := []manifest.Function{{Name: "a", Path: "/nonexistent/a.zip", Runtime: "go"}, {Name: "b", Path: "/nonexistent/b.zip", Runtime: "go"}}
	results, err := Functions(ctx, fns, Options{Parallel: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	for _, r := range results {
		if r.OK || r.Error != "not verified: context canceled" {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
}
