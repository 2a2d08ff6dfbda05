package resolver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
)

// ErrInvalidPackageJSON classifies a package.json that cannot be parsed.
var ErrInvalidPackageJSON = errors.New("invalid package.json")

// PackageJSON holds the package.json fields module resolution and
// packaging use.
type PackageJSON struct {
	// Path is the file's absolute path, Dir its directory.
	Path, Dir string

	Name, Version, Main, Type string
	// Exports and Imports keep key order, which decides condition matching.
	Exports, Imports *Value

	Dependencies, DevDependencies, PeerDependencies, OptionalDependencies map[string]string
	// OptionalPeers are peerDependenciesMeta entries with optional: true.
	OptionalPeers map[string]bool
	// Binary and Gypfile are the native-addon markers `binary` and
	// `gypfile`; Files is the `files` list.
	Binary, Gypfile bool
	Files           []string
}

// ValueKind is the JSON type of a Value.
type ValueKind int

// JSON value kinds.
const (
	Null ValueKind = iota
	String
	Array
	Object
	Other
)

// Value is a JSON value whose objects keep their key order.
type Value struct {
	Kind ValueKind
	Str  string
	Arr  []*Value
	Obj  []Member
}

// Member is one key of an ordered JSON object.
type Member struct {
	Key   string
	Value *Value
}

func decodeValue(dec *json.Decoder, depth int) (*Value, error) {
	if depth > 64 {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &Value{Kind: Null}, nil
	case string:
		return &Value{Kind: String, Str: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := &Value{Kind: Array}
			for dec.More() {
				item, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.Arr = append(v.Arr, item)
			}
			_, err := dec.Token()
			return v, err
		case '{':
			v := &Value{Kind: Object}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				item, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.Obj = append(v.Obj, Member{Key: kt.(string), Value: item})
			}
			_, err := dec.Token()
			return v, err
		}
	}
	return &Value{Kind: Other}, nil
}

// jsonPosition returns ":line:column" of a JSON decoding error, or "".
func jsonPosition(data []byte, err error) string {
	var offset int64
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	default:
		return ""
	}
	offset = min(offset, int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return fmt.Sprintf(":%d:%d", line, col)
}

// ParsePackageJSON decodes package.json content found at p.
func ParsePackageJSON(p string, data []byte) (*PackageJSON, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s%s is invalid JSON: %w; fix it (npm and node would fail on it too)", ErrInvalidPackageJSON, p, jsonPosition(data, err), err)
	}
	pkg := &PackageJSON{Path: p, Dir: path.Dir(p)}
	str := func(key string) string {
		var s string
		if m, ok := raw[key]; ok {
			json.Unmarshal(m, &s)
		}
		return s
	}
	deps := func(key string) map[string]string {
		var m map[string]any
		if r, ok := raw[key]; ok {
			json.Unmarshal(r, &m)
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			s, _ := v.(string)
			out[k] = s
		}
		return out
	}
	ordered := func(key string) *Value {
		r, ok := raw[key]
		if !ok {
			return nil
		}
		v, err := decodeValue(json.NewDecoder(bytes.NewReader(r)), 0)
		if err != nil {
			return nil
		}
		return v
	}
	pkg.Name, pkg.Version, pkg.Main, pkg.Type = str("name"), str("version"), str("main"), str("type")
	pkg.Exports, pkg.Imports = ordered("exports"), ordered("imports")
	pkg.Dependencies, pkg.DevDependencies = deps("dependencies"), deps("devDependencies")
	pkg.PeerDependencies, pkg.OptionalDependencies = deps("peerDependencies"), deps("optionalDependencies")
	var meta map[string]struct {
		Optional bool `json:"optional"`
	}
	if r, ok := raw["peerDependenciesMeta"]; ok {
		json.Unmarshal(r, &meta)
	}
	pkg.OptionalPeers = map[string]bool{}
	for k, v := range meta {
		if v.Optional {
			pkg.OptionalPeers[k] = true
		}
	}
	json.Unmarshal(raw["binary"], &pkg.Binary)
	json.Unmarshal(raw["gypfile"], &pkg.Gypfile)
	json.Unmarshal(raw["files"], &pkg.Files)
	return pkg, nil
}

// packageJSON reads dir/package.json once per cache; a missing file gives
// (nil, nil).
func (c *cache) packageJSON(dir string) (*PackageJSON, error) {
	r, ok := c.pkgs.Load(dir)
	if !ok {
		r, _ = c.pkgs.LoadOrStore(dir, &pkgResult{})
	}
	r.once.Do(func() {
		p := path.Join(dir, "package.json")
		if !c.isFile(p) {
			return
		}
		data, err := c.fsys.ReadFile(fsName(p))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				r.err = fmt.Errorf("read %q: %w", p, err)
			}
			return
		}
		r.pkg, r.err = ParsePackageJSON(p, data)
	})
	return r.pkg, r.err
}
