package resolver

import "strings"

// builtins are the modules Node.js provides (module.builtinModules of Node
// 18 to 24, which only ever grew), including subpath modules.
var builtins = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`
		_http_agent _http_client _http_common _http_incoming _http_outgoing _http_server
		_stream_duplex _stream_passthrough _stream_readable _stream_transform _stream_wrap
		_stream_writable _tls_common _tls_wrap assert assert/strict async_hooks buffer
		child_process cluster console constants crypto dgram diagnostics_channel dns
		dns/promises domain events fs fs/promises http http2 https inspector
		inspector/promises module net os path path/posix path/win32 perf_hooks process
		punycode querystring readline readline/promises repl stream stream/consumers
		stream/promises stream/web string_decoder sys timers timers/promises tls
		trace_events tty url util util/types v8 vm wasi worker_threads zlib`) {
		builtins[name] = true
	}
}

// nodePrefix marks a specifier that can only be a built-in module; some
// (node:test, node:sqlite, node:sea) exist only with the prefix.
const nodePrefix = "node:"

// IsBuiltin reports whether a specifier names a Node.js built-in module,
// with or without the `node:` prefix.
func IsBuiltin(specifier string) bool {
	if strings.HasPrefix(specifier, nodePrefix) {
		return true
	}
	return builtins[specifier]
}

// StripNodePrefix removes a leading `node:`, which older Node.js versions
// do not understand; the reference's esbuild plugin does the same.
func StripNodePrefix(specifier string) string {
	return strings.TrimPrefix(specifier, nodePrefix)
}
