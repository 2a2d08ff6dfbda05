package discover

import (
	"context"
	"errors"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestDiscoverCancel: listing a functions folder stops when the context
// ends.
func TestDiscoverCancel(t *testing.T) {
	t.Parallel()
	dir := testfs.Site(t, map[string]string{"a.js": "", "b.js": ""})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Discover(ctx, []string{dir}, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
