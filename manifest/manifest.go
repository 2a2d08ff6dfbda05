package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
)

// Version is the manifest format version.
const Version = 1

// Manifest is the whole file.
type Manifest struct {
	Functions []Function `json:"functions"`
	System    System     `json:"system"`
	// Timestamp is the build time in milliseconds since the Unix epoch.
	Timestamp int64 `json:"timestamp"`
	Version   int   `json:"version"`
}

// System names the platform that ran the build, in Node.js vocabulary
// (process.arch, process.platform) because the reference reports those.
type System struct {
	Arch     string `json:"arch"`
	Platform string `json:"platform"`
}

// CurrentSystem describes the machine zisi runs on.
func CurrentSystem() System {
	return System{Arch: NodeArch(runtime.GOARCH), Platform: NodePlatform(runtime.GOOS)}
}

// NodeArch translates a GOARCH to Node's process.arch.
func NodeArch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x64"
	case "386":
		return "ia32"
	case "ppc64le", "ppc64":
		return "ppc64"
	}
	return goarch
}

// NodePlatform translates a GOOS to Node's process.platform.
func NodePlatform(goos string) string {
	if goos == "windows" {
		return "win32"
	}
	return goos
}

// Function is one function's entry. Field order is the reference's key
// order; empty optional fields are left out the way JSON.stringify drops
// undefined ones.
type Function struct {
	Bundler        string        `json:"bundler,omitempty"`
	DisplayName    string        `json:"displayName,omitempty"`
	Generator      string        `json:"generator,omitempty"`
	Timeout        int           `json:"timeout,omitempty"`
	InvocationMode string        `json:"invocationMode,omitempty"`
	BuildData      BuildData     `json:"buildData"`
	MainFile       string        `json:"mainFile"`
	Memory         int           `json:"memory,omitempty"`
	Name           string        `json:"name"`
	Priority       *int          `json:"priority,omitempty"`
	Region         string        `json:"region,omitempty"`
	TrafficRules   *TrafficRules `json:"trafficRules,omitempty"`
	RuntimeVersion string        `json:"runtimeVersion,omitempty"`
	// Path is the archive's absolute path.
	Path               string   `json:"path"`
	Runtime            string   `json:"runtime"`
	Schedule           string   `json:"schedule,omitempty"`
	Vcpu               float64  `json:"vcpu,omitempty"`
	EventSubscriptions []string `json:"eventSubscriptions,omitempty"`
	Routes             []Route  `json:"routes,omitempty"`
	ExcludedRoutes     []Route  `json:"excludedRoutes,omitempty"`
}

// BuildData is always present; it is `{}` for Go, Rust and prebuilt zips.
type BuildData struct {
	BootstrapVersion  string `json:"bootstrapVersion,omitempty"`
	RuntimeAPIVersion int    `json:"runtimeAPIVersion,omitempty"`
}

// Route is one v2 route: a literal path or a regular expression compiled
// from a URLPattern.
type Route struct {
	Pattern    string `json:"pattern"`
	Literal    string `json:"literal,omitempty"`
	Expression string `json:"expression,omitempty"`
	// Methods is always present on routes (empty when all methods match)
	// and absent on excluded routes.
	Methods      *[]string `json:"methods,omitempty"`
	PreferStatic bool      `json:"prefer_static,omitempty"`
}

// TrafficRules is a v2 function's rate limiting, from its rateLimit config.
type TrafficRules struct {
	Action TrafficAction `json:"action"`
}

// TrafficAction is the action taken when a rate limit is hit.
type TrafficAction struct {
	Type   string        `json:"type"`
	Config TrafficConfig `json:"config"`
}

// TrafficConfig configures a rate limit.
type TrafficConfig struct {
	To              string          `json:"to,omitempty"`
	RateLimitConfig RateLimitConfig `json:"rateLimitConfig"`
	Aggregate       Aggregate       `json:"aggregate"`
}

// RateLimitConfig is the window of a rate limit.
type RateLimitConfig struct {
	WindowLimit int    `json:"windowLimit"`
	WindowSize  int    `json:"windowSize"`
	Algorithm   string `json:"algorithm"`
}

// Aggregate says what requests are counted together.
type Aggregate struct {
	Keys []AggregateKey `json:"keys"`
}

// AggregateKey is one aggregation dimension ("domain", "ip").
type AggregateKey struct {
	Type string `json:"type"`
}

// Marshal encodes m as compact JSON, as the reference writes it.
func Marshal(m *Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Parse decodes a manifest.
func Parse(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	return &m, nil
}
