package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"paralel", "parallel", 1},
		{"biuld", "build", 1},
		{"ab", "ba", 1},
		{"ca", "abc", 3},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"build", "list", "verify", "external_node_modules", "included_files"}
	for _, tc := range []struct{ in, want string }{
		{"biuld", "build"},
		{"BUILD", "build"},
		{"lsit", "list"},
		{"external_node_module", "external_node_modules"},
		{"include_files", "included_files"},
		{"deploy", ""},
		{"x", ""},
	} {
		if got := Closest(tc.in, cands); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
