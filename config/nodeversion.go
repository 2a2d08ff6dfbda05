package config

// DefaultNodeMajor is the Node.js major version assumed when none is
// configured or the configured one cannot be read (the reference's
// DEFAULT_NODE_VERSION in 16.x).
const DefaultNodeMajor = 24

// NodeMajor extracts the major version from a Node.js version string the
// way semver.coerce does in the reference: the first run of digits, so
// "18", "18.x", "v22.1.0" and "nodejs20.x" all work and "latest" does not.
func NodeMajor(version string) (int, bool) {
	for i := 0; i < len(version); i++ {
		if version[i] < '0' || version[i] > '9' {
			continue
		}
		n := 0
		for ; i < len(version) && version[i] >= '0' && version[i] <= '9'; i++ {
			if n > 1<<20 {
				return 0, false
			}
			n = n*10 + int(version[i]-'0')
		}
		return n, true
	}
	return 0, false
}

// NodeMajorOrDefault is NodeMajor with DefaultNodeMajor as the fallback.
func NodeMajorOrDefault(version string) int {
	if n, ok := NodeMajor(version); ok {
		return n
	}
	return DefaultNodeMajor
}
