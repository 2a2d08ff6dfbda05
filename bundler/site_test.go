package bundler

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

func TestLoadSite(t *testing.T) {
	t.Parallel()
	site, _ := frameworkSite(t)
	testfs.Write(t, site, map[string]string{
		"netlify.toml":            "[functions]\n  directory = \"netlify/functions\"\n[functions.ssr]\n  timeout = 20\n",
		".netlify/v1/config.json": `{"functions": {"ssr": {"timeout": 30, "included_files": ["data/other.txt"]}}}`,
	})
	s, err := LoadSite(site)
	if err != nil {
		t.Fatal(err)
	}
	wantGen := []string{filepath.Join(site, InternalFunctionsDir), filepath.Join(site, FrameworksFunctionsDir)}
	if !slices.Equal(s.Sources.Generated.Directories, wantGen) || !slices.Equal(s.Sources.User.Directories, []string{filepath.Join(site, "netlify/functions")}) {
		t.Errorf("sources = %+v", s.Sources)
	}
	if s.Options.BasePath != site || !slices.Equal(s.Options.ConfigFileDirectories, wantGen[:1]) {
		t.Errorf("options = %+v", s.Options)
	}
	if len(s.ConfigPaths) != 2 {
		t.Errorf("config paths = %q", s.ConfigPaths)
	}
	// netlify.toml wins over the Frameworks API; its lists are added.
	ssr := s.Options.Config.ForFunction("ssr")
	if ssr.Timeout != 20 || !slices.Equal(ssr.IncludedFiles, []string{"data/other.txt"}) {
		t.Errorf("ssr config = %+v", ssr)
	}

	// The sources build: the JSON file's timeout (26) wins over both.
	rep, err := ZipSources(t.Context(), s.Sources, filepath.Join(site, "dist"), s.Options)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range rep.Functions {
		if fn.Name == "ssr" && fn.Timeout != 26 {
			t.Errorf("ssr timeout %d, want the JSON file's 26", fn.Timeout)
		}
	}

	// A site with nothing generated and no netlify.toml.
	bare := t.TempDir()
	s, err = LoadSite(bare)
	if err != nil || len(s.Sources.Generated.Directories) != 0 || s.Config != nil || s.Options.Config != nil {
		t.Errorf("bare site: %+v, %v", s, err)
	}
}
