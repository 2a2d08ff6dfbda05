package node

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// pluginsModulesDir is where Netlify Build installs build plugins and
// extensions, some of which bring functions and the packages they use.
const pluginsModulesDir = ".netlify/plugins/node_modules"

// Reasons for the plugins folder rules.
const (
	WhyPluginsModules Why = "found in " + pluginsModulesDir + ", the fallback module folder (where Netlify installs build plugins), so it ships under node_modules"
	WhyPluginsOutside Why = "outside the plugins folder the function lives in, and not a package its files can load from node_modules"
	WhyPluginsShadow  Why = "another file already takes its place under node_modules"
)

// pluginsModules is the nearest .netlify/plugins/node_modules at or above
// dir, or "" (the reference's getPluginsModulesPath, a find-up).
func (e *Env) pluginsModules(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if c := filepath.Join(d, pluginsModulesDir); e.Resolver.IsDir(c) {
			return c
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// fallbackModules is the folder bare specifiers are also looked up in
// when Node's walk up from the importer finds nothing: the plugins
// folder, as in the reference, unless the function lives inside it; its
// modules are then its own (the reference isolates such functions from
// the site's).
func (e *Env) fallbackModules(srcDir string) string {
	p := e.pluginsModules(srcDir)
	if p == "" || within(p, srcDir) {
		return ""
	}
	return p
}

// within reports whether p is dir or lies under it.
func within(dir, p string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// pluginsHome is the plugins module folder holding srcDir, or "" when the
// function does not live in one. Such a function's archive is rooted at
// .netlify/plugins, so its files and packages stay under node_modules and
// resolve at run time as they did at build time.
func pluginsHome(srcDir string) string {
	marker := string(filepath.Separator) + filepath.FromSlash(pluginsModulesDir) + string(filepath.Separator)
	i := strings.LastIndex(srcDir+string(filepath.Separator), marker)
	if i < 0 {
		return ""
	}
	return srcDir[:i+len(marker)-1]
}

// pluginsFallbackIn is the plugins module folder a function outside it
// loaded files from: the nearest .netlify/plugins/node_modules above
// srcDir that holds one of files. The bundlers used the nearest existing
// one; a nearer one that gave no file makes no difference to the names.
func pluginsFallbackIn(srcDir string, files []string) string {
	marker := "/" + pluginsModulesDir + "/"
	var candidates []string
	for _, f := range files {
		if strings.Contains(filepath.ToSlash(f), marker) {
			candidates = append(candidates, f)
		}
	}
	if len(candidates) == 0 {
		return ""
	}
	for d := srcDir; ; d = filepath.Dir(d) {
		c := filepath.Join(d, pluginsModulesDir)
		if slices.ContainsFunc(candidates, func(f string) bool { return within(c, f) }) {
			return c
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// outsideModule names a file outside the archive root that a function's
// files still load as a package: one in a node_modules folder of a
// directory above the root, which Node's walk up reaches. It is shipped
// as node_modules/<path inside that folder>.
func outsideModule(root, f string) (string, bool) {
	for d := filepath.Dir(root); ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if within(nm, f) && f != nm {
			r, err := rel(nm, f)
			return "node_modules/" + r, err == nil
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// placement is where each shipped file goes in the archive.
type placement struct {
	base string
	// names[i] is the archive name of the i-th file placed, "" for a
	// file that has no place (dropped).
	names []string
	// dropped are files that have no place, with the reason.
	dropped map[string]Why
}

// place names every shipped file, relative to base, with the reference's
// plugins folder rules: a function outside the plugins folder ships the
// files it loaded from there as node_modules/<path in it>; a function
// inside it is rooted at .netlify/plugins, and files outside that root
// ship as node_modules/… when they are packages its files can reach (the
// reference writes absolute paths there, which cannot load). A name taken
// by an ordinary file wins over one given by these rules.
func place(srcDir string, files []string, base string) (*placement, error) {
	p := &placement{base: base, names: make([]string, len(files)), dropped: map[string]Why{}}
	home := pluginsHome(srcDir)
	fallback := ""
	if home != "" {
		p.base = filepath.Dir(home)
	} else {
		fallback = pluginsFallbackIn(srcDir, files)
	}
	var moved []int
	for i, f := range files {
		switch {
		case fallback != "" && within(fallback, f):
			moved = append(moved, i)
		case home != "" && !within(p.base, f):
			moved = append(moved, i)
		default:
			r, err := rel(p.base, f)
			if err != nil {
				return nil, err
			}
			p.names[i] = r
		}
	}
	if len(moved) == 0 {
		return p, nil
	}
	taken := make(map[string]bool, len(files))
	for _, n := range p.names {
		if n != "" {
			taken[n] = true
		}
	}
	for _, i := range moved {
		f := files[i]
		var name string
		if fallback != "" {
			r, err := rel(fallback, f)
			if err != nil {
				return nil, err
			}
			name = "node_modules/" + r
		} else if n, ok := outsideModule(p.base, f); ok {
			name = n
		} else {
			p.dropped[f] = WhyPluginsOutside
			continue
		}
		if taken[name] {
			p.dropped[f] = WhyPluginsShadow
			continue
		}
		p.names[i] = name
		taken[name] = true
	}
	return p, nil
}

// warnDropped reports the files a placement leaves out, in the bundle's
// warnings and selection report.
func (b *Bundle) warnDropped(p *placement) {
	if len(p.dropped) == 0 {
		return
	}
	var files []string
	for f := range p.dropped {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, f := range files {
		why := p.dropped[f]
		text := fmt.Sprintf("not shipped: it lies outside %s, the archive root of a function installed by a build plugin, and is not a package in a node_modules folder above it; loading it will fail at run time (move it into the plugin's folder or make it a dependency of the plugin)", p.base)
		if why == WhyPluginsShadow {
			text = fmt.Sprintf("not shipped: another file of the function already takes its place under node_modules in the archive (%s), and Node.js would load that one", pluginsModulesDir)
		}
		b.Warnings = append(b.Warnings, Message{File: f, Text: text})
		if b.Selection == nil {
			continue
		}
		b.Selection.Files = slices.DeleteFunc(b.Selection.Files, func(k Pick) bool { return k.Path == f })
		b.Selection.Omitted = append(b.Selection.Omitted, Pick{Path: f, Why: why})
	}
}
