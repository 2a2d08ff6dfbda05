package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ServerManifest is the Netlify Server's manifest, the reference's
// ServerManifest (createServerManifest): the functions manifest's system,
// timestamp and version around one server instead of a functions list.
// zipServer writes it as manifest.json in its destination unless told
// another path.
type ServerManifest struct {
	Server Server `json:"server"`
	System System `json:"system"`
	// Timestamp is the build time in milliseconds since the Unix epoch.
	Timestamp int64 `json:"timestamp"`
	Version   int   `json:"version"`
}

// Server is the server's entry. Field order is the reference's key order
// (formatServerForManifest); empty optional fields are left out the way
// JSON.stringify drops undefined ones, and empty route lists are left out
// as the reference leaves them.
type Server struct {
	Bundler  string `json:"bundler,omitempty"`
	MainFile string `json:"mainFile"`
	Memory   int    `json:"memory,omitempty"`
	// Path is the archive's absolute path.
	Path           string  `json:"path"`
	Region         string  `json:"region,omitempty"`
	Runtime        string  `json:"runtime"`
	RuntimeVersion string  `json:"runtimeVersion,omitempty"`
	Vcpu           float64 `json:"vcpu,omitempty"`
	Routes         []Route `json:"routes,omitempty"`
	ExcludedRoutes []Route `json:"excludedRoutes,omitempty"`
}

// MarshalServer encodes m as compact JSON, as the reference writes it.
func MarshalServer(m *ServerManifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode server manifest: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ParseServer decodes a server manifest.
func ParseServer(data []byte) (*ServerManifest, error) {
	var m ServerManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode server manifest: %w", err)
	}
	return &m, nil
}
