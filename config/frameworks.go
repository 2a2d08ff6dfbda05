package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// FrameworksConfigPaths are where a framework leaves configuration for
// Netlify Build through the Frameworks API, relative to the site's base:
// the current path first, then the legacy Deploy Configuration API's.
var FrameworksConfigPaths = []string{
	filepath.Join(".netlify", "v1", "config.json"),
	filepath.Join(".netlify", "deploy", "v1", "config.json"),
}

// LoadFrameworksConfig reads the Frameworks API configuration file of the
// site whose base is baseDir (the first of FrameworksConfigPaths that
// exists), keeping what bears on functions: its functions settings, in
// netlify.toml's names and shape (`{"functions": {"*": {"included_files":
// […]}, "api": {…}, "directory": "…"}}`) and build.functions. It returns nil
// and no error when there is no such file. Included files in it are
// relative to baseDir, as Netlify Build resolves them.
func LoadFrameworksConfig(baseDir string) (*File, error) {
	for _, rel := range FrameworksConfigPaths {
		path := filepath.Join(baseDir, rel)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %q: %w", path, err)
		}
		return parseFrameworksConfig(path, baseDir, data)
	}
	return nil, nil
}

func parseFrameworksConfig(path, baseDir string, data []byte) (*File, error) {
	f := &File{Path: path, BaseDir: baseDir}
	doc, d, err := decodeJSON(f, data, "a JSON object")
	if err != nil {
		return nil, err
	}
	if build, ok := doc["build"].(map[string]any); ok {
		if dir, ok := build["functions"].(string); ok && dir != "" {
			f.FunctionsDirectory = d.dir(dir)
		}
	}
	raw, ok := doc["functions"]
	if !ok {
		return f, nil
	}
	fns, ok := raw.(map[string]any)
	if !ok {
		return nil, d.errorf([]string{"functions"}, "must be an object, got %s", typeName(raw))
	}
	if err := d.functions(fns); err != nil {
		return nil, err
	}
	return f, nil
}

// MergeFrameworks combines a Frameworks API configuration (framework) with
// the site's netlify.toml (user) the way Netlify Build does: the user's
// settings win key by key, lists are concatenated (the framework's
// first), and the user's functions directory wins. Either may be nil.
func MergeFrameworks(framework, user *File) *File {
	switch {
	case framework == nil:
		return user
	case user == nil:
		return framework
	}
	out := *user
	out.Warnings = slices.Concat(framework.Warnings, user.Warnings)
	if out.FunctionsDirectory == "" {
		out.FunctionsDirectory = framework.FunctionsDirectory
	}
	// The framework's patterns come first, as its keys do in the merged
	// object; a glob both set becomes one pattern.
	var patterns []Pattern
	index := map[string]int{}
	for _, src := range [][]Pattern{framework.Functions.Patterns, user.Functions.Patterns} {
		for _, p := range src {
			if i, ok := index[p.Glob]; ok {
				patterns[i].Config = Merge(patterns[i].Config, p.Config)
				continue
			}
			index[p.Glob] = len(patterns)
			patterns = append(patterns, p)
		}
	}
	for i := range patterns {
		patterns[i].Order = i
	}
	out.Functions = Config{Patterns: patterns}
	return &out
}
