package resolver

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
)

// TestGraphCancel: a package listing stopped by its context reports the
// context's error and is not kept: the next caller lists the package.
func TestGraphCancel(t *testing.T) {
	t.Parallel()
	r := New(fstest.MapFS{
		"s/node_modules/a/package.json": file(`{"name":"a","version":"1.0.0"}`),
		"s/node_modules/a/index.js":     file(""),
	})
	g := NewGraph(r)
	a, err := r.FindPackage("a", "/s")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if n := g.Node(ctx, a); !errors.Is(n.Err, context.Canceled) {
		t.Fatalf("cancelled: got %v, want context.Canceled", n.Err)
	}
	if n := g.Node(t.Context(), a); n.Err != nil || len(n.Files) != 2 {
		t.Fatalf("after a cancel: %v, files %v", n.Err, n.Files)
	}
}
