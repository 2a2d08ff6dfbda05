package routes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReferenceTable is the reference's own table (behavior notes §8.5):
// URLPattern pathname syntax to the expression in the manifest.
func TestReferenceTable(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"/hello/:name":     `^\/hello(?:\/([^\/]+?))\/?$`,
		"/b/*":             `^\/b(?:\/(.*))\/?$`,
		"/products/sale*":  `^\/products\/sale(.*)\/?$`,
		`/numbers/(\d+)`:   `^\/numbers(?:\/(\d+))\/?$`,
		"/a/:id?":          `^\/a(?:\/([^\/]+?))?\/?$`,
		"/files/*.png":     `^\/files(?:\/(.*))\.png\/?$`,
		"/a b/:c":          `^\/a%20b(?:\/([^\/]+?))\/?$`,
		"/x/:a+":           `^\/x(?:\/((?:[^\/]+?)(?:\/(?:[^\/]+?))*))\/?$`,
		"/x{/:y}?":         `^\/x(?:\/([^\/]+?))?\/?$`,
		"/é/:n*":           `^\/%C3%A9(?:\/((?:[^\/]+?)(?:\/(?:[^\/]+?))*))?\/?$`,
		"/api/buckets/:id": `^\/api\/buckets(?:\/([^\/]+?))\/?$`,
	}
	for path, want := range cases {
		r, err := Route(path)
		if err != nil || r.Expression != want || r.Literal != "" || r.Pattern != path {
			t.Errorf("Route(%q) = %+v, %v; want expression %s", path, r, err, want)
		}
	}
	for _, literal := range []string{"/", "/hello", "/api/signup", "/a.b/c-d", "/with space"} {
		if r, err := Route(literal); err != nil || r.Literal != literal || r.Expression != "" {
			t.Errorf("Route(%q) = %+v, %v; want a literal route", literal, r, err)
		}
	}
	for path, msg := range map[string]string{
		"no-slash":  "'path' property must start with a '/'",
		"/a/:":      "'/a/:' is not a valid path according to the URLPattern specification",
		"/a/(":      "'/a/(' is not a valid path according to the URLPattern specification",
		"/a/{b":     "'/a/{b' is not a valid path according to the URLPattern specification",
		"/a/(?<x>)": "'/a/(?<x>)' is not a valid path according to the URLPattern specification",
	} {
		if _, err := Route(path); !errors.Is(err, ErrInvalidPath) || !bytes.Contains([]byte(err.Error()), []byte(msg)) {
			t.Errorf("Route(%q): got %v, want %q", path, err, msg)
		}
	}
	rs, err := Routes([]string{"/a", "/b/:c", "/a"})
	if err != nil || len(rs) != 2 {
		t.Errorf("Routes de-duplicates: %+v %v", rs, err)
	}
}

// TestAgreesWithURLPatternPolyfill compares with the urlpattern-polyfill
// version the reference uses, over many patterns (make test installs it).
func TestAgreesWithURLPatternPolyfill(t *testing.T) {
	dir := os.Getenv("ZISI_NODE_TOOLS")
	if dir == "" {
		t.Skip("ZISI_NODE_TOOLS not set (make test sets it up)")
	}
	patterns := []string{
		"/:a", "/:a/:b", "/a/:b?", "/a/:b*", "/a/:b+", "/*", "/a/*", "/a*", "*", "/a/*/b", "/:a(\\d+)", "/(a|b)/c",
		"/{a}", "/{a}?", "/a{/b}?", "/a{-:b}+", "/a/{:b}?", "/a.:ext", "/a/:b.:c", "/files/*.tar.gz", "/x\\*y/:z",
		"/ü/:n", "/a b", "/%20/:x", "/[x]/:y", "/a/(.*)", "/a/(?:x|y)", "/:a?/:b?", "/a+", "/a?", "/a/**",
		"/api/v1/users/:userId/posts/:postId", "/blog/:year(\\d{4})/:slug", "/(*)", "/(a)(b)", "/:x(?=y)", "/(x))",
	}
	script := `
const {URLPattern} = require(process.argv[1] + "/node_modules/urlpattern-polyfill");
for (const p of JSON.parse(require("fs").readFileSync(0, "utf8"))) {
  try { console.log(JSON.stringify(new URLPattern({pathname: p}).regexp.pathname.source)); }
  catch (e) { console.log(JSON.stringify("ERROR")); }
}`
	input, _ := json.Marshal(patterns)
	cmd := exec.Command("node", "-e", script, filepath.Clean(dir))
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run urlpattern-polyfill: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for _, p := range patterns {
		if !sc.Scan() {
			t.Fatal("output ended early")
		}
		var want string
		json.Unmarshal(sc.Bytes(), &want)
		got, err := PathnameRegexp(p)
		if want == "ERROR" {
			if err == nil {
				t.Errorf("%q: polyfill rejects it, we produced %s", p, got)
			}
			continue
		}
		if err != nil || "^"+got+"$" != want {
			t.Errorf("%q: got ^%s$ (%v), polyfill %s", p, got, err, want)
		}
	}
}
