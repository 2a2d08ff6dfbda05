package node

import (
	"path/filepath"

	"github.com/zisi-build/zisi/bundler/source"
	"github.com/zisi-build/zisi/config"
)

// MergeSource lays a v2 function's in-source configuration over its
// netlify.toml configuration (reference §4.3): in-source scalars win and
// arrays are appended, except included files, which replace the
// netlify.toml list and are then relative to the main file's directory.
// A key the source sets to a value that failed validation still erases
// the netlify.toml value, as it does in the reference.
func MergeSource(base config.FunctionConfig, isc *source.Config, mainFile string) config.FunctionConfig {
	if isc == nil {
		return base
	}
	out := base
	for _, key := range isc.Present {
		switch key {
		case "background":
			out.Background = isc.Background
		case "externalNodeModules":
			out.ExternalNodeModules = appendAll(base.ExternalNodeModules, isc.ExternalNodeModules)
		case "ignoredNodeModules":
			out.IgnoredNodeModules = appendAll(base.IgnoredNodeModules, isc.IgnoredNodeModules)
		case "includedFiles":
			if len(isc.IncludedFiles) > 0 {
				out.IncludedFiles = append([]string(nil), isc.IncludedFiles...)
				out.IncludedFilesBasePath = filepath.Dir(mainFile)
			}
		case "generator":
			out.Generator = isc.Generator
		case "name":
			out.Name = isc.Name
		case "nodeBundler":
			out.NodeBundler = isc.NodeBundler
		case "nodeVersion":
			out.NodeVersion = isc.NodeVersion
		case "region":
			out.Region = isc.Region
		case "schedule":
			out.Schedule = isc.Schedule
		case "memory":
			out.Memory = isc.Memory
		case "timeout":
			out.Timeout = isc.Timeout
		case "vcpu":
			out.Vcpu = isc.Vcpu
		case "path":
			out.Path = appendAll(base.Path, isc.Path)
		case "excludedPath":
			out.ExcludedPath = appendAll(base.ExcludedPath, isc.ExcludedPath)
		case "method":
			out.Method = appendAll(base.Method, isc.Method)
		case "preferStatic":
			v := isc.PreferStatic
			out.PreferStatic = &v
		case "rateLimit":
			out.RateLimit = nil
			if r := isc.RateLimit; r != nil {
				out.RateLimit = &config.RateLimit{Action: r.Action, To: r.To, Algorithm: r.Algorithm,
					WindowLimit: r.WindowLimit, WindowSize: r.WindowSize, AggregateBy: r.AggregateBy}
			}
		}
	}
	return out
}

func appendAll(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	return append(append([]string(nil), a...), b...)
}
