package release

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestREADMEGoVersionMatchesGoMod keeps the Go version README.md asks for
// in step with go.mod's go line: a version with a patch level must be the
// go line itself, a bare 1.N its language version.
func TestREADMEGoVersionMatchesGoMod(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil || mf.Go == nil {
		t.Fatalf("go.mod has no go line: %v", err)
	}
	goLine := mf.Go.Version
	lang := strings.Join(strings.SplitN(goLine, ".", 3)[:2], ".")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// "Go 1.26.8", "Go (1.26 or newer)", "Go v1.26".
	re := regexp.MustCompile(`\bGo \(?v?(1\.\d+(?:\.\d+)?)`)
	found := re.FindAllSubmatchIndex(readme, -1)
	if len(found) == 0 {
		t.Fatal("README.md states no Go version (such as \"Go 1.26\"); say which toolchain it needs")
	}
	for _, m := range found {
		v := string(readme[m[2]:m[3]])
		line := 1 + strings.Count(string(readme[:m[0]]), "\n")
		want := lang
		if strings.Count(v, ".") == 2 {
			want = goLine
		}
		if v != want {
			t.Errorf("README.md:%d says Go %s, but go.mod's go line is %s: write %s (or %s)", line, v, goLine, goLine, lang)
		}
	}
}
