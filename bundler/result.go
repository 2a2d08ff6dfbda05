package bundler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/manifest"
)

// FunctionResult describes one built function. Its JSON form is the
// reference's result object (zipFunctions' return value and its CLI's
// output), with the reference's key order and presence rules, written by
// MarshalJSON (so the fields carry no json tags).
type FunctionResult struct {
	Name     string
	MainFile string
	Runtime  string
	// Path is the archive (or directory) written, joined from the
	// destination as given, so it is relative when that was.
	Path string
	// Size is the archive's size in bytes; 0 for directory output.
	Size          int64
	EntryFilename string
	Config        config.FunctionConfig
	DisplayName   string
	Generator     string
	Timeout       int

	// Node.js only.
	Bundler            string
	BundlerReason      string
	BundlerWarnings    []Message
	BundlerErrors      []Message
	Inputs             []string
	IncludedFiles      []string
	InvocationMode     string
	OutputModuleFormat string
	Priority           *int
	TrafficRules       *manifest.TrafficRules
	RuntimeVersion     string
	EventSubscriptions []string
	Routes             []manifest.Route
	ExcludedRoutes     []manifest.Route
	Memory             int
	Region             string
	Schedule           string
	Vcpu               float64
	RuntimeAPIVersion  int
	BootstrapVersion   string
	NativeNodeModules  map[string]map[string]string

	// Selection says why each file of a Node.js function ships and what
	// was left out (zisi why); not part of the reference's JSON.
	Selection *Selection

	// Cached is set when the archive and this result were restored from
	// the build cache (Options.Cache) instead of built; not part of the
	// reference's JSON.
	Cached bool

	// warns and notes are this function's warnings and notes, collected
	// into Report.Warnings and Report.Notes.
	warns []Warning
	notes []Warning
	// sources are the files the archive was written from; trusted the
	// ones of zisi's own (the v2 bootstrap in the per-user cache);
	// includeRoots the folders included_files patterns walk. The build
	// cache records them.
	sources, trusted, includeRoots []string
	// missing are files relative imports named that were not found.
	missing []string
	// cacheNote says why the build cache did not restore this function
	// (a note of this build, not stored with the entry).
	cacheNote *Warning
}

// Message is a bundler warning or error with its location.
type Message struct {
	Text     string    `json:"text"`
	Location *Location `json:"location,omitempty"`
}

// Location points into a source file (1-based line, 0-based column, as
// esbuild reports them).
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// isNode reports whether the result came from the Node.js pipeline proper
// (not a copied .zip).
func (r *FunctionResult) isNode() bool { return r.Runtime == "js" && r.Bundler != "" }

// MarshalJSON writes the reference's key order: Node.js results have many
// more keys than Go, Rust and prebuilt-zip ones, in a different order, and
// some keys (inputs, includedFiles, runtimeAPIVersion) are present even
// when empty.
func (r FunctionResult) MarshalJSON() ([]byte, error) {
	var o object
	if r.isNode() {
		o.add("bootstrapVersion", r.BootstrapVersion, r.BootstrapVersion != "")
		o.add("bundler", r.Bundler, true)
		o.add("bundlerReason", r.BundlerReason, r.BundlerReason != "")
		o.add("bundlerWarnings", r.BundlerWarnings, len(r.BundlerWarnings) > 0)
		o.add("config", r.Config, true)
		o.add("displayName", r.DisplayName, r.DisplayName != "")
		o.add("entryFilename", r.EntryFilename, true)
		o.add("generator", r.Generator, r.Generator != "")
		o.add("timeout", r.Timeout, r.Timeout != 0)
		o.add("inputs", nonNil(r.Inputs), true)
		o.add("includedFiles", nonNil(r.IncludedFiles), true)
		o.add("invocationMode", r.InvocationMode, r.InvocationMode != "")
		o.add("outputModuleFormat", r.OutputModuleFormat, true)
		o.add("nativeNodeModules", r.NativeNodeModules, r.NativeNodeModules != nil)
		o.add("path", r.Path, true)
		o.add("priority", r.Priority, r.Priority != nil)
		o.add("trafficRules", r.TrafficRules, r.TrafficRules != nil)
		o.add("runtimeVersion", r.RuntimeVersion, r.RuntimeVersion != "")
		o.add("bundlerErrors", r.BundlerErrors, len(r.BundlerErrors) > 0)
		o.add("mainFile", r.MainFile, true)
		o.add("name", r.Name, true)
		o.add("runtime", r.Runtime, true)
		o.add("size", r.Size, r.Size != 0)
		o.add("eventSubscriptions", r.EventSubscriptions, len(r.EventSubscriptions) > 0)
		o.add("routes", r.Routes, r.Routes != nil)
		o.add("excludedRoutes", r.ExcludedRoutes, r.ExcludedRoutes != nil)
		o.add("memory", r.Memory, r.Memory != 0)
		o.add("region", r.Region, r.Region != "")
		o.add("schedule", r.Schedule, r.Schedule != "")
		o.add("runtimeAPIVersion", r.RuntimeAPIVersion, r.RuntimeAPIVersion != 0)
		o.add("buildData", r.buildData(), true)
		o.add("vcpu", r.Vcpu, r.Vcpu != 0)
		return o.bytes()
	}
	o.add("config", r.Config, true)
	o.add("displayName", r.DisplayName, r.DisplayName != "")
	o.add("generator", r.Generator, r.Generator != "")
	o.add("path", r.Path, true)
	o.add("entryFilename", r.EntryFilename, true)
	o.add("mainFile", r.MainFile, true)
	o.add("name", r.Name, true)
	o.add("runtime", r.Runtime, true)
	o.add("size", r.Size, r.Size != 0)
	o.add("memory", r.Memory, r.Memory != 0)
	o.add("region", r.Region, r.Region != "")
	o.add("schedule", r.Schedule, r.Schedule != "")
	o.add("vcpu", r.Vcpu, r.Vcpu != 0)
	return o.bytes()
}

func (r *FunctionResult) buildData() manifest.BuildData {
	if !r.isNode() {
		return manifest.BuildData{}
	}
	return manifest.BuildData{BootstrapVersion: r.BootstrapVersion, RuntimeAPIVersion: r.RuntimeAPIVersion}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// object builds a JSON object with keys in insertion order.
type object struct {
	buf bytes.Buffer
	err error
}

func (o *object) add(key string, v any, present bool) {
	if !present || o.err != nil {
		return
	}
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	k, _ := json.Marshal(key)
	o.buf.Write(k)
	o.buf.WriteByte(':')
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		o.err = err
		return
	}
	o.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func (o *object) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.buf.Len() == 0 {
		return []byte("{}"), nil
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}

// ManifestEntry is the result's manifest.json entry, with the archive path
// made absolute as the manifest requires.
func (r *FunctionResult) ManifestEntry() (manifest.Function, error) {
	abs, err := filepath.Abs(r.Path)
	if err != nil {
		return manifest.Function{}, fmt.Errorf("resolve %q: %w", r.Path, err)
	}
	return r.manifestEntry(abs), nil
}

// manifestEntry converts a result to its manifest.json entry; absPath is
// the archive's absolute path.
func (r *FunctionResult) manifestEntry(absPath string) manifest.Function {
	m := manifest.Function{
		Bundler:            r.Bundler,
		InvocationMode:     r.InvocationMode,
		BuildData:          r.buildData(),
		MainFile:           r.MainFile,
		Name:               r.Name,
		Priority:           r.Priority,
		TrafficRules:       r.TrafficRules,
		RuntimeVersion:     r.RuntimeVersion,
		Path:               absPath,
		Runtime:            r.Runtime,
		EventSubscriptions: r.EventSubscriptions,
		Routes:             r.Routes,
		ExcludedRoutes:     r.ExcludedRoutes,
	}
	// The fields reporting configuration keys have the same names in both.
	src, dst := reflect.ValueOf(r).Elem(), reflect.ValueOf(&m).Elem()
	for k := range config.Keys() {
		if k.Result != "" {
			dst.FieldByName(k.Result).Set(src.FieldByName(k.Result))
		}
	}
	return m
}

// reportConfig sets the fields that report configuration keys
// (config.Key.Result) from cfg; keys the reference reports for Node.js
// functions only are set when node is.
func (r *FunctionResult) reportConfig(cfg config.FunctionConfig, node bool) {
	dst := reflect.ValueOf(r).Elem()
	for k := range config.Keys() {
		if k.Result != "" && (node || !k.NodeOnly) {
			dst.FieldByName(k.Result).Set(reflect.ValueOf(k.Value(cfg)))
		}
	}
}
