package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Bundler names accepted in netlify.toml's node_bundler, plus the internal
// EsbuildZisi that netlify.toml's "esbuild" becomes (esbuild, falling back
// to zisi on failure), exactly as Netlify Build translates it.
const (
	BundlerZisi        = "zisi"
	BundlerEsbuild     = "esbuild"
	BundlerEsbuildZisi = "esbuild_zisi"
	BundlerNft         = "nft"
	BundlerNone        = "none"
)

// Module formats of nodeModuleFormat (and of results'
// outputModuleFormat).
const (
	ModuleFormatCJS = "cjs"
	ModuleFormatESM = "esm"
)

// ModuleFormats are the nodeModuleFormat values accepted.
var ModuleFormats = []string{ModuleFormatCJS, ModuleFormatESM}

// ValidateNodeModuleFormat checks a nodeModuleFormat value.
func ValidateNodeModuleFormat(s string) error {
	if !slices.Contains(ModuleFormats, s) {
		return fmt.Errorf("nodeModuleFormat %q is not one of %s", s, strings.Join(ModuleFormats, ", "))
	}
	return nil
}

// The platform's archive limits, in MB: an upload over 50 MB zipped or
// 250 MB unzipped is refused at deploy time.
const (
	DefaultZipSizeLimit      = 50
	DefaultUnzippedSizeLimit = 250
)

// DefaultFunctionsDirectory is used when neither the command line nor
// netlify.toml names a functions directory.
const DefaultFunctionsDirectory = "netlify/functions"

// FunctionConfig is the configuration of one function, or of one glob
// pattern before merging. Its JSON form uses the reference's camelCase keys
// because it is echoed as `config` in build results. Zero values mean
// "unset", so merging never overwrites a value with an absent one (the
// reference merges with ignoreUndefined).
type FunctionConfig struct {
	ExternalNodeModules   []string `json:"externalNodeModules,omitempty"`
	IgnoredNodeModules    []string `json:"ignoredNodeModules,omitempty"`
	IncludedFiles         []string `json:"includedFiles,omitempty"`
	IncludedFilesBasePath string   `json:"includedFilesBasePath,omitempty"`
	NodeBundler           string   `json:"nodeBundler,omitempty"`
	NodeSourcemap         *bool    `json:"nodeSourcemap,omitempty"`
	NodeVersion           string   `json:"nodeVersion,omitempty"`
	Schedule              string   `json:"schedule,omitempty"`
	Name                  string   `json:"name,omitempty"`
	Generator             string   `json:"generator,omitempty"`
	Timeout               int      `json:"timeout,omitempty"`
	Memory                int      `json:"memory,omitempty"`
	Vcpu                  float64  `json:"vcpu,omitempty"`
	Region                string   `json:"region,omitempty"`
	Background            *bool    `json:"background,omitempty"`
	// NodeModuleFormat is the module format a function's output should
	// have: ModuleFormatESM ships ESM .mjs functions untranspiled (the
	// reference's zisi_pure_esm_mjs flag, for that function). The
	// reference's nodeModuleFormat; netlify.toml has no such key, deploy
	// tools set it (JSON function config files, the library's Config).
	NodeModuleFormat string `json:"nodeModuleFormat,omitempty"`
	// GoArch is the architecture Go functions are built for ("amd64" when
	// unset, or "arm64"); a zisi addition, netlify.toml's go_arch.
	GoArch string `json:"goArch,omitempty"`
	// ZipSizeLimit and UnzippedSizeLimit bound each archive, in MB
	// (2^20 bytes); DefaultZipSizeLimit and DefaultUnzippedSizeLimit when
	// unset. zisi additions: netlify.toml's zip_size_limit and
	// unzipped_size_limit.
	ZipSizeLimit      int `json:"zipSizeLimit,omitempty"`
	UnzippedSizeLimit int `json:"unzippedSizeLimit,omitempty"`
	// RustTargetDirectory is Cargo's target directory for Rust functions
	// built from source, which zisi does not build; it is accepted and
	// reported so a Netlify Build-style configuration loads as it is.
	RustTargetDirectory string `json:"rustTargetDirectory,omitempty"`
	// ZipGo asks the reference to zip Go binaries; zisi always does.
	ZipGo *bool `json:"zipGo,omitempty"`

	// The keys below come only from a v2 function's in-source
	// configuration (netlify.toml has no equivalent); they are part of the
	// merged configuration so results show everything that applied.
	Path         []string   `json:"path,omitempty"`
	ExcludedPath []string   `json:"excludedPath,omitempty"`
	Method       []string   `json:"method,omitempty"`
	PreferStatic *bool      `json:"preferStatic,omitempty"`
	RateLimit    *RateLimit `json:"rateLimit,omitempty"`
}

// RateLimit is a v2 function's `rateLimit` setting.
type RateLimit struct {
	Action      string   `json:"action,omitempty"`
	To          string   `json:"to,omitempty"`
	Algorithm   string   `json:"algorithm,omitempty"`
	WindowLimit int      `json:"windowLimit"`
	WindowSize  int      `json:"windowSize"`
	AggregateBy []string `json:"aggregateBy,omitempty"`
}

// Pattern is one glob-keyed section of the functions configuration.
type Pattern struct {
	Glob   string
	Config FunctionConfig
	// Order is the pattern's position in its source; it breaks weight ties
	// the way the reference's object key order does.
	Order int
}

// Config is the whole functions configuration: glob-keyed patterns. The
// zero value applies nothing.
type Config struct {
	Patterns []Pattern
}

// ForFunction returns the merged configuration for the named function: every
// matching pattern, lightest first, later scalars winning and arrays
// concatenated (ZISI's getConfigForFunction with merge-options
// {concatArrays, ignoreUndefined}).
func (c *Config) ForFunction(name string) FunctionConfig {
	if c == nil {
		return FunctionConfig{}
	}
	var matched []Pattern
	for _, p := range c.Patterns {
		if plainName(p.Glob) && p.Glob == name || !plainName(p.Glob) && Match(p.Glob, name) {
			matched = append(matched, p)
		}
	}
	return mergeMatched(matched)
}

// mergeMatched merges the patterns that match a function, given in their
// order in the configuration.
func mergeMatched(matched []Pattern) FunctionConfig {
	slices.SortStableFunc(matched, func(a, b Pattern) int {
		return cmp.Or(cmp.Compare(Weight(a.Glob), Weight(b.Glob)), cmp.Compare(a.Order, b.Order))
	})
	var out FunctionConfig
	for _, p := range matched {
		out = Merge(out, p.Config)
	}
	// memory and vcpu are two ways of sizing a function, not two settings:
	// the most specific pattern that sets either gives the pair (16.2.3's
	// withComputeResources), so "*" with memory and "api" with vcpu give
	// api only its vcpu.
	for _, p := range slices.Backward(matched) {
		if p.Config.Memory != 0 || p.Config.Vcpu != 0 {
			out.Memory, out.Vcpu = p.Config.Memory, p.Config.Vcpu
			break
		}
	}
	return out
}

// Matcher is a Config made ready to answer ForFunction for many
// functions: a pattern that is a plain name is looked up instead of
// matched, so a site with a section per function is no longer quadratic
// in their number. It reads the Config once, when made.
type Matcher struct {
	patterns []Pattern
	// names maps a plain name to its patterns, globs lists the others;
	// both hold indexes in patterns.
	names map[string][]int
	globs []int
}

// Compile returns c's Matcher.
func (c *Config) Compile() *Matcher {
	m := &Matcher{names: map[string][]int{}}
	if c == nil {
		return m
	}
	m.patterns = c.Patterns
	for i, p := range m.patterns {
		if plainName(p.Glob) {
			m.names[p.Glob] = append(m.names[p.Glob], i)
		} else {
			m.globs = append(m.globs, i)
		}
	}
	return m
}

// plainName reports whether a pattern matches exactly the name it spells:
// no negation or comment, wildcard, class, brace, extglob or escape.
func plainName(glob string) bool {
	return !strings.HasPrefix(glob, "!") && !strings.HasPrefix(glob, "#") && !strings.ContainsAny(glob, "*?[{(\\")
}

// ForFunction is Config.ForFunction.
func (m *Matcher) ForFunction(name string) FunctionConfig {
	idx := slices.Clone(m.names[name])
	for _, i := range m.globs {
		if Match(m.patterns[i].Glob, name) {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	matched := make([]Pattern, len(idx))
	for k, i := range idx {
		matched[k] = m.patterns[i]
	}
	return mergeMatched(matched)
}

// Merge overlays over onto base, key by key (see Key): set values in over
// win, arrays are concatenated (base first).
func Merge(base, over FunctionConfig) FunctionConfig {
	out := base
	for _, k := range keys {
		k.value.merge(&out, over)
	}
	return out
}
