package node

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/zisi-build/zisi/resolver"
)

// WhyNextPage is why a file of next ships alone: the reference's tree
// shaking for next-on-netlify.
const WhyNextPage Why = "a Next.js file reached through renderNextPage (next-on-netlify), followed file by file instead of shipping the whole next package"

// isRenderNextPage is the reference's isNextOnNetlify: the specifier's
// base name, without .js, is renderNextPage.
func isRenderNextPage(spec string) bool {
	return strings.TrimSuffix(path.Base(spec), ".js") == "renderNextPage"
}

// followNextFile ships the one file of next a specifier loads and follows
// its imports, still file by file (next-on-netlify tree shaking). The
// plugins module folder is the fallback, as for packages.
func (w *walker) followNextFile(ctx context.Context, file, spec string, mode resolver.Mode) error {
	dir := filepath.Dir(file)
	why := WhyNextPage
	res, err := w.env.Resolver.Resolve(spec, dir, mode)
	if errors.Is(err, resolver.ErrNotFound) && w.fallback != "" {
		if r, ferr := w.env.Resolver.Resolve(spec, w.fallback, mode); ferr == nil {
			res, err, why = r, nil, WhyNextPage+"; "+WhyPluginsModules
		}
	}
	if err != nil && !errors.Is(err, resolver.ErrNotFound) {
		return err
	}
	if err != nil {
		line, _ := w.env.locate(file, spec)
		return &MissingModuleError{Module: spec, Importer: file, Line: line,
			Fix: fmt.Sprintf("check the path exists in your Next.js version, or add next to dependencies in %s and run npm install", w.sitePackagePath())}
	}
	if res.Package != nil {
		for _, l := range w.env.Resolver.Symlinks(res.Package.Link) {
			w.links[l] = true
		}
	}
	w.sel.file(res.Path, why, file, spec)
	return w.walkLocal(ctx, res.Path, true)
}
