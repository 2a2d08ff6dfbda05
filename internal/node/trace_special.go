package node

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// Some packages load files no import names: data files, prebuilt
// binaries, a preload module. The tracer ships those the way
// @vercel/nft's special cases do, so a traced archive holds what the
// package needs at run time.
type specialCase func(t *tracer, file string) error

var specialCases map[string]specialCase

func init() {
	specialCases = map[string]specialCase{
		"semver": fileCase("semver/index.js", "preload.js"),
		"uglify-es": fileCase("uglify-es/tools/node.js", "../lib/utils.js", "../lib/ast.js", "../lib/parse.js",
			"../lib/transform.js", "../lib/scope.js", "../lib/output.js", "../lib/compress.js", "../lib/sourcemap.js",
			"../lib/mozilla-ast.js", "../lib/propmangle.js", "../lib/minify.js", "exports.js"),
		"uglify-js":       both(dirCase("uglify-js/tools/node.js", "../lib"), fileCase("uglify-js/tools/node.js", "exports.js")),
		"playwright-core": fileCase("playwright-core/index.js", "browsers.json"),
		"geo-tz":          fileCase("geo-tz/dist/geo-tz.js", "../data/geo.dat"),
		"geoip-lite": fileCase("geoip-lite/lib/geoip.js", "../data/geoip-city.dat", "../data/geoip-city6.dat",
			"../data/geoip-city-names.dat", "../data/geoip-country.dat", "../data/geoip-country6.dat"),
		"camaro":                   fileCase("camaro/dist/camaro.js", "camaro.wasm"),
		"pixelmatch":               fileCase("pixelmatch/index.js", "bin/pixelmatch"),
		"@generated/photon":        dirCase("@generated/photon/index.js", "runtime"),
		"@serialport/bindings-cpp": dirCase("@serialport/bindings-cpp/dist/index.js", "../build/Release", "../prebuilds"),
		"argon2":                   dirCase("argon2/argon2.js", "build/Release", "prebuilds", "lib/binding"),
		"bull":                     dirCase("bull/lib/commands/index.js", "."),
		"phantomjs-prebuilt":       dirCase("phantomjs-prebuilt/lib/phantomjs.js", "../bin"),
		"shiki":                    dirCase("/dist/index.js", "../languages", "../themes"),
		"esbuild":                  optionalDepsCase("esbuild/lib/main.js", false),
		"sharp":                    optionalDepsCase("sharp/lib/index.js", true),
	}
}

// fileCase ships files next to a package file, paths relative to its
// directory.
func fileCase(suffix string, rel ...string) specialCase {
	return func(t *tracer, file string) error {
		if !strings.HasSuffix(file, suffix) {
			return nil
		}
		for _, r := range rel {
			if err := t.emitAsset(filepath.Join(filepath.Dir(file), r), file); err != nil {
				return err
			}
		}
		return nil
	}
}

// dirCase ships whole directories relative to a package file's directory.
func dirCase(suffix string, rel ...string) specialCase {
	return func(t *tracer, file string) error {
		if !strings.HasSuffix(file, suffix) {
			return nil
		}
		for _, r := range rel {
			if err := t.emitAssetDir(filepath.Join(filepath.Dir(file), r), file); err != nil {
				return err
			}
		}
		return nil
	}
}

func both(a, b specialCase) specialCase {
	return func(t *tracer, file string) error {
		if err := a(t, file); err != nil {
			return err
		}
		return b(t, file)
	}
}

// optionalDepsCase ships the packages listed in optionalDependencies of
// the package owning file (two levels up), which hold its platform
// binaries; nested additionally ships their own optional dependencies.
func optionalDepsCase(suffix string, nested bool) specialCase {
	return func(t *tracer, file string) error {
		if !strings.HasSuffix(file, suffix) {
			return nil
		}
		pkgDir := filepath.Dir(filepath.Dir(file))
		for _, dep := range t.optionalDeps(pkgDir) {
			dir := filepath.Join(filepath.Dir(pkgDir), dep)
			if err := t.emitAssetDir(dir, file); err != nil {
				return err
			}
			if !nested {
				continue
			}
			real, err := t.env.Resolver.Realpath(dir)
			if err != nil {
				continue
			}
			for _, inner := range t.optionalDeps(dir) {
				if err := t.emitAssetDir(filepath.Join(filepath.Dir(filepath.Dir(real)), inner), file); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// optionalDeps lists the optionalDependencies of the package in dir,
// sorted (the resolver has usually read that package.json already).
func (t *tracer) optionalDeps(dir string) []string {
	j := t.pkgJSON(dir)
	if j == nil {
		return nil
	}
	out := make([]string, 0, len(j.OptionalDependencies))
	for k := range j.OptionalDependencies {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// packageOf is the name of the package a node_modules file belongs to.
func packageOf(file string) string {
	i := strings.LastIndex(file, "/node_modules/")
	if i < 0 {
		return ""
	}
	rest := file[i+len("/node_modules/"):]
	parts := strings.SplitN(rest, "/", 3)
	if strings.HasPrefix(parts[0], "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// emitAsset ships a file a package refers to; code files are traced.
func (t *tracer) emitAsset(p, parent string) error {
	if !t.env.Resolver.IsFile(p) {
		return nil
	}
	switch filepath.Ext(p) {
	case ".js", ".mjs", ".node", "":
		t.emitDependency(p, parent, false)
		return nil
	}
	t.emitFile(p, parent)
	return nil
}

// emitAssetDir ships every file under dir except nested node_modules,
// C sources and headers, and change logs and readmes.
func (t *tracer) emitAssetDir(dir, parent string) error {
	if !t.inBase(dir) || t.ignored(dir+"/") {
		return nil
	}
	var files []string
	_ = fs.WalkDir(t.env.Resolver.FS(), strings.TrimPrefix(dir, "/"), func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		p := "/" + rel
		if d.IsDir() {
			if d.Name() == "node_modules" && p != dir {
				return fs.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".h", ".cmake", ".c", ".cpp":
			return nil
		}
		switch d.Name() {
		case "CHANGELOG.md", "README.md", "readme.md", "changelog.md":
			return nil
		}
		files = append(files, p)
		return nil
	})
	for _, f := range files {
		if err := t.emitAsset(f, parent); err != nil {
			return err
		}
	}
	return nil
}
