package config

import (
	"iter"
	"path/filepath"
	"slices"
)

// Key describes one function-configuration key, once: its names, how its
// value is typed, validated and merged, whether a v2 function's in-source
// configuration may set it, and where build results report it. Loading
// netlify.toml, merging patterns, reading and merging in-source
// configuration and filling results all read the table of keys, so a new
// key is one entry there (and its FunctionConfig field).
type Key struct {
	// TOML is the netlify.toml name (`node_bundler`); empty for keys only
	// in-source configuration sets.
	TOML string
	// JSON is the camelCase name, in in-source configuration and in the
	// `config` of build results (`nodeBundler`).
	JSON string
	// Result names the field of bundler.FunctionResult and of
	// manifest.Function that reports the merged value (`DisplayName` for
	// name); empty when only the result's `config` shows it.
	Result string
	// NodeOnly limits Result to Node.js functions: the reference's Node.js
	// runtime reports the key, its formatZipResult for every runtime does
	// not.
	NodeOnly bool
	// FileOnly marks a key only JSON configuration files (and library
	// callers) set: netlify.toml has no name for it, in-source
	// configuration may not set it.
	FileOnly bool

	value value
}

// InSource reports whether a v2 function's in-source configuration may
// set the key.
func (k Key) InSource() bool { return k.value.inSource() }

// Value returns the key's value in fc, typed as its FunctionConfig field.
func (k Key) Value(fc FunctionConfig) any { return k.value.get(fc) }

// Keys lists the function-configuration keys.
func Keys() iter.Seq[Key] { return slices.Values(keys) }

// keys is the table. In-source keys come first, in the order of the
// reference's inSourceConfig schema, because that order decides which
// invalid key zod reports.
var keys = []Key{
	{TOML: "background", JSON: "background", value: single[*bool]{
		field:  func(c *FunctionConfig) **bool { return &c.Background },
		toml:   (*decoder).boolean,
		source: sourceBool,
	}},
	{TOML: "external_node_modules", JSON: "externalNodeModules", value: list{
		field:  func(c *FunctionConfig) *[]string { return &c.ExternalNodeModules },
		source: sourceStrings,
	}},
	{TOML: "generator", JSON: "generator", Result: "Generator", value: single[string]{
		field:  func(c *FunctionConfig) *string { return &c.Generator },
		toml:   (*decoder).str,
		source: sourceString,
	}},
	{TOML: "included_files", JSON: "includedFiles", value: includedFiles{}},
	{TOML: "ignored_node_modules", JSON: "ignoredNodeModules", value: list{
		field:  func(c *FunctionConfig) *[]string { return &c.IgnoredNodeModules },
		source: sourceStrings,
	}},
	{TOML: "memory", JSON: "memory", Result: "Memory", value: single[int]{
		field:  func(c *FunctionConfig) *int { return &c.Memory },
		toml:   (*decoder).memory,
		source: sourceMemory,
	}},
	{TOML: "name", JSON: "name", Result: "DisplayName", value: single[string]{
		field:  func(c *FunctionConfig) *string { return &c.Name },
		toml:   (*decoder).str,
		source: sourceString,
	}},
	{TOML: "node_bundler", JSON: "nodeBundler", value: single[string]{
		field:  func(c *FunctionConfig) *string { return &c.NodeBundler },
		toml:   (*decoder).bundler,
		source: sourceBundler,
	}},
	{TOML: "node_version", JSON: "nodeVersion", value: single[string]{
		field:  func(c *FunctionConfig) *string { return &c.NodeVersion },
		toml:   (*decoder).nodeVersion,
		source: sourceNodeVersion,
	}},
	{TOML: "region", JSON: "region", Result: "Region", value: single[string]{
		field:  func(c *FunctionConfig) *string { return &c.Region },
		toml:   (*decoder).str,
		source: sourceRegion,
	}},
	{TOML: "schedule", JSON: "schedule", Result: "Schedule", value: single[string]{
		field:  func(c *FunctionConfig) *string { return &c.Schedule },
		toml:   (*decoder).schedule,
		source: sourceSchedule,
	}},
	{TOML: "timeout", JSON: "timeout", Result: "Timeout", NodeOnly: true, value: single[int]{
		field:  func(c *FunctionConfig) *int { return &c.Timeout },
		toml:   (*decoder).timeout,
		source: sourceTimeout,
	}},
	{TOML: "vcpu", JSON: "vcpu", Result: "Vcpu", value: single[float64]{
		field:  func(c *FunctionConfig) *float64 { return &c.Vcpu },
		toml:   (*decoder).vcpu,
		source: sourceVcpu,
	}},

	// v2 routing: in-source configuration only.
	{JSON: "method", value: list{
		field:  func(c *FunctionConfig) *[]string { return &c.Method },
		source: sourceMethods,
	}},
	{JSON: "path", value: list{
		field:  func(c *FunctionConfig) *[]string { return &c.Path },
		source: sourcePaths,
	}},
	{JSON: "excludedPath", value: list{
		field:  func(c *FunctionConfig) *[]string { return &c.ExcludedPath },
		source: sourcePaths,
	}},
	{JSON: "preferStatic", value: single[*bool]{
		field:  func(c *FunctionConfig) **bool { return &c.PreferStatic },
		source: sourcePreferStatic,
	}},
	{JSON: "rateLimit", value: single[*RateLimit]{
		field:  func(c *FunctionConfig) **RateLimit { return &c.RateLimit },
		source: sourceRateLimit,
	}},

	// JSON configuration files and library callers only: Netlify Build
	// passes these in the config it gives the reference, and frameworks
	// write nodeModuleFormat; netlify.toml and in-source configuration
	// have no such keys.
	{JSON: "rustTargetDirectory", FileOnly: true, value: single[string]{
		field: func(c *FunctionConfig) *string { return &c.RustTargetDirectory },
		toml:  (*decoder).str,
	}},
	{JSON: "zipGo", FileOnly: true, value: single[*bool]{
		field: func(c *FunctionConfig) **bool { return &c.ZipGo },
		toml:  (*decoder).boolean,
	}},
	{JSON: "nodeModuleFormat", FileOnly: true, value: single[string]{
		field: func(c *FunctionConfig) *string { return &c.NodeModuleFormat },
		toml:  (*decoder).moduleFormat,
	}},

	// netlify.toml only.
	{TOML: "node_sourcemap", JSON: "nodeSourcemap", value: single[*bool]{
		field: func(c *FunctionConfig) **bool { return &c.NodeSourcemap },
		toml:  (*decoder).boolean,
	}},
	{TOML: "go_arch", JSON: "goArch", value: single[string]{
		field: func(c *FunctionConfig) *string { return &c.GoArch },
		toml:  (*decoder).goArch,
	}},
	{TOML: "zip_size_limit", JSON: "zipSizeLimit", value: single[int]{
		field: func(c *FunctionConfig) *int { return &c.ZipSizeLimit },
		toml:  (*decoder).memory,
	}},
	{TOML: "unzipped_size_limit", JSON: "unzippedSizeLimit", value: single[int]{
		field: func(c *FunctionConfig) *int { return &c.UnzippedSizeLimit },
		toml:  (*decoder).memory,
	}},
}

// tomlKey finds the key netlify.toml calls name.
func tomlKey(name string) (Key, bool) {
	for _, k := range keys {
		if k.TOML != "" && k.TOML == name {
			return k, true
		}
	}
	return Key{}, false
}

// sourceKey finds the key in-source configuration calls name, if it may
// set it there.
func sourceKey(name string) (Key, bool) {
	for _, k := range keys {
		if k.JSON == name && k.InSource() {
			return k, true
		}
	}
	return Key{}, false
}

// value is the typed part of a key: its FunctionConfig field, how a
// netlify.toml or in-source value becomes that field, and how two
// configurations combine.
type value interface {
	// fromTOML validates a netlify.toml value into fc; errors name path.
	fromTOML(d *decoder, path []string, raw any, fc *FunctionConfig) error
	// fromSource validates an in-source value into fc (see ParseSource).
	fromSource(key string, raw any, fc *FunctionConfig) error
	inSource() bool
	// merge lays over onto dst by specificity (getConfigForFunction's
	// {concatArrays, ignoreUndefined}): a set value wins, arrays
	// concatenate.
	merge(dst *FunctionConfig, over FunctionConfig)
	// mergeSource lays an in-source value onto dst (augmentFunctionConfig's
	// {concatArrays}): the source's value wins even when it is unset,
	// arrays append.
	mergeSource(dst *FunctionConfig, src FunctionConfig, mainFile string)
	// set replaces dst's value with src's (a JSON configuration file's
	// shallow spread).
	set(dst *FunctionConfig, src FunctionConfig)
	get(fc FunctionConfig) any
}

// single is a key holding one value: the most specific pattern's value
// wins, and an in-source value wins over netlify.toml's.
type single[T comparable] struct {
	field func(*FunctionConfig) *T
	// toml validates the netlify.toml value; nil when TOML is empty.
	toml func(d *decoder, path []string, v any) (T, error)
	// source validates the in-source value; nil when the key is not
	// allowed there.
	source func(key string, v any) (T, error)
}

func (s single[T]) fromTOML(d *decoder, path []string, raw any, fc *FunctionConfig) error {
	v, err := s.toml(d, path, raw)
	*s.field(fc) = v
	return err
}

func (s single[T]) fromSource(key string, raw any, fc *FunctionConfig) error {
	v, err := s.source(key, raw)
	*s.field(fc) = v
	return err
}

func (s single[T]) inSource() bool { return s.source != nil }

func (s single[T]) merge(dst *FunctionConfig, over FunctionConfig) {
	setIf(s.field(dst), *s.field(&over))
}

func (s single[T]) mergeSource(dst *FunctionConfig, src FunctionConfig, _ string) {
	*s.field(dst) = *s.field(&src)
}

func (s single[T]) set(dst *FunctionConfig, src FunctionConfig) { *s.field(dst) = *s.field(&src) }

func (s single[T]) get(fc FunctionConfig) any { return *s.field(&fc) }

// list is a key holding an array of strings: arrays from every matching
// pattern are concatenated, and in-source ones appended.
type list struct {
	field func(*FunctionConfig) *[]string
	// source validates the in-source value; nil when the key is not
	// allowed there.
	source func(key string, v any) ([]string, error)
}

func (l list) fromTOML(d *decoder, path []string, raw any, fc *FunctionConfig) error {
	v, err := d.stringList(path, raw)
	*l.field(fc) = v
	return err
}

func (l list) fromSource(key string, raw any, fc *FunctionConfig) error {
	v, err := l.source(key, raw)
	*l.field(fc) = v
	return err
}

func (l list) inSource() bool { return l.source != nil }

func (l list) merge(dst *FunctionConfig, over FunctionConfig) {
	*l.field(dst) = concat(*l.field(dst), *l.field(&over))
}

func (l list) mergeSource(dst *FunctionConfig, src FunctionConfig, _ string) {
	*l.field(dst) = appendAll(*l.field(dst), *l.field(&src))
}

func (l list) set(dst *FunctionConfig, src FunctionConfig) {
	*l.field(dst) = slices.Clone(*l.field(&src))
}

func (l list) get(fc FunctionConfig) any { return *l.field(&fc) }

// includedFiles is included_files, a list whose globs are relative to
// where they were written: netlify.toml's to its directory, in-source
// ones to the main file's. In-source globs replace netlify.toml's instead
// of being appended (the reference's augmentFunctionConfig).
type includedFiles struct{}

func (includedFiles) fromTOML(d *decoder, path []string, raw any, fc *FunctionConfig) error {
	v, err := d.stringList(path, raw)
	fc.IncludedFiles = v
	if err == nil && len(v) > 0 {
		fc.IncludedFilesBasePath = d.file.BaseDir
	}
	return err
}

func (includedFiles) fromSource(key string, raw any, fc *FunctionConfig) error {
	fc.IncludedFiles, _ = sourceStrings(key, raw)
	return nil
}

func (includedFiles) inSource() bool { return true }

func (includedFiles) merge(dst *FunctionConfig, over FunctionConfig) {
	dst.IncludedFiles = concat(dst.IncludedFiles, over.IncludedFiles)
	setIf(&dst.IncludedFilesBasePath, over.IncludedFilesBasePath)
}

func (includedFiles) mergeSource(dst *FunctionConfig, src FunctionConfig, mainFile string) {
	if len(src.IncludedFiles) > 0 {
		dst.IncludedFiles = slices.Clone(src.IncludedFiles)
		dst.IncludedFilesBasePath = filepath.Dir(mainFile)
	}
}

func (includedFiles) set(dst *FunctionConfig, src FunctionConfig) {
	dst.IncludedFiles = slices.Clone(src.IncludedFiles)
}

func (includedFiles) get(fc FunctionConfig) any { return fc.IncludedFiles }

func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

func concat(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return slices.Clone(b)
	}
	return append(slices.Clone(a), b...)
}

func appendAll(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	return append(append([]string(nil), a...), b...)
}
