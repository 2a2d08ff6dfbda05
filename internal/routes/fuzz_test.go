package routes

import (
	"errors"
	"regexp"
	"testing"
)

// FuzzRoute: any path gives a route or ErrInvalidPath, never a panic, and
// every expression produced compiles as a regular expression.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{"/hello/:name", "/b/*", "/x{/:y}?", `/numbers/(\d+)`, "/a/:b+", "/é", "/(", "/:"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, err := Route(path)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r.Expression != "" {
			if _, err := regexp.Compile(r.Expression); err != nil && !jsOnlySyntax.MatchString(r.Expression) {
				t.Fatalf("%q gave an expression Go cannot compile: %s (%v)", path, r.Expression, err)
			}
		}
	})
}
