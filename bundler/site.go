package bundler

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zisi-build/zisi/config"
)

// Where frameworks and plugins write generated functions, relative to a
// site's base, as Netlify Build reads them.
var (
	// InternalFunctionsDir is the legacy internal functions folder; its
	// functions may have JSON configuration files.
	InternalFunctionsDir = filepath.Join(".netlify", "functions-internal")
	// FrameworksFunctionsDir is the Frameworks API's functions folder.
	FrameworksFunctionsDir = filepath.Join(".netlify", "v1", "functions")
)

// Site is a site as Netlify Build sees it: its functions sources, its
// configuration and the options that follow from them. LoadSite fills it;
// Sources and Options are ready for ZipSources and ListSources.
type Site struct {
	// Base is the site's base directory.
	Base string
	// Config is netlify.toml merged with the Frameworks API
	// configuration; nil when the site has neither.
	Config *config.File
	// ConfigPaths lists the configuration files read.
	ConfigPaths []string
	Sources     Sources
	// Options has BasePath, RepositoryRoot (FindRepositoryRoot), Config
	// and ConfigFileDirectories set.
	Options Options
	// Warnings are problems with the site's layout (a functions directory
	// netlify.toml names that does not exist).
	Warnings []Warning
}

// LoadSite reads the site whose base directory is base the way Netlify
// Build does:
//   - netlify.toml in base, if any, merged with the Frameworks API's
//     .netlify/v1/config.json (or the legacy .netlify/deploy/v1/config.json):
//     netlify.toml wins key by key, lists are concatenated;
//   - user functions from [functions] directory, else netlify/functions;
//   - generated functions from .netlify/functions-internal and
//     .netlify/v1/functions, those that exist;
//   - JSON configuration files read in .netlify/functions-internal.
//
// A missing user functions folder is not an error here: ZipSources warns
// about it.
func LoadSite(base string) (*Site, error) {
	abs, err := filepath.Abs(base)
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", base, err)
	}
	toml := filepath.Join(abs, "netlify.toml")
	switch _, err := os.Stat(toml); {
	case errors.Is(err, fs.ErrNotExist):
		toml = ""
	case err != nil:
		return nil, fmt.Errorf("read %q: %w", toml, err)
	}
	return loadSite(abs, toml)
}

// LoadSiteConfig is LoadSite for the site whose netlify.toml is path
// (whatever its name): the site's base is path's directory.
func LoadSiteConfig(path string) (*Site, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", path, err)
	}
	return loadSite(filepath.Dir(abs), abs)
}

// loadSite reads the site at base (absolute), with netlify.toml at toml
// when that is not empty.
func loadSite(abs, toml string) (*Site, error) {
	s := &Site{Base: abs}
	var user *config.File
	if toml != "" {
		var err error
		if user, err = config.Load(toml); err != nil {
			return nil, err
		}
		s.ConfigPaths = append(s.ConfigPaths, toml)
	}
	framework, err := config.LoadFrameworksConfig(abs)
	if err != nil {
		return nil, err
	}
	if framework != nil {
		s.ConfigPaths = append(s.ConfigPaths, framework.Path)
	}
	s.Config = config.MergeFrameworks(framework, user)
	// The user folder may be missing: a site need not have functions of
	// its own. Netlify Build only logs a configured folder that is not
	// there; zisi warns.
	userDir := filepath.Join(abs, config.DefaultFunctionsDirectory)
	if s.Config != nil && s.Config.FunctionsDirectory != "" {
		userDir = s.Config.FunctionsDirectory
		if _, err := os.Stat(userDir); errors.Is(err, fs.ErrNotExist) {
			s.Warnings = append(s.Warnings, Warning{Path: userDir, Message: fmt.Sprintf("the functions directory set in %s does not exist, so the site has no functions of its own; fix the setting or create the folder", strings.Join(s.ConfigPaths, " and "))})
		}
	}
	s.Sources.User.Directories = []string{userDir}
	s.Sources.Optional = []string{userDir}
	for _, d := range []string{InternalFunctionsDir, FrameworksFunctionsDir} {
		dir := filepath.Join(abs, d)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			s.Sources.Generated.Directories = append(s.Sources.Generated.Directories, dir)
		}
	}
	s.Options = Options{
		BasePath:              abs,
		RepositoryRoot:        FindRepositoryRoot(abs),
		ConfigFileDirectories: []string{filepath.Join(abs, InternalFunctionsDir)},
	}
	if s.Config != nil {
		s.Options.Config = &s.Config.Functions
	}
	return s, nil
}
