package node

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// instrumentationFile is the OpenTelemetry loader inside the bootstrap
// package, what its exports map names "./instrumentation.js".
var instrumentationFile = filepath.Join("dist", "telemetry", "instrumentation.js")

// TelemetrySource is the file of b that TelemetryFile ships (the build
// cache probes it).
func TelemetrySource(b *Bootstrap) string { return filepath.Join(b.Dir, instrumentationFile) }

// TelemetryFile is ___netlify-telemetry.mjs as the reference writes it
// with zisi_add_instrumentation_loader: a newline, `var SERVICE_NAME =
// …;` and `var SERVICE_VERSION = …;` (JSON strings, or the literal
// undefined), then the bootstrap package's instrumentation.js and a
// newline. The service comes from generator: split at its last "@" (past
// the second character) into a name, kebab-cased, and a version
// ("@netlify/plugin-nextjs@14.13.2" is netlify-plugin-nextjs, 14.13.2).
// The file is read from the same copy of @netlify/serverless-functions-api
// the v2 bootstrap comes from, found by FindBootstrap.
func TelemetryFile(b *Bootstrap, generator string) ([]byte, error) {
	b.instrOnce.Do(func() {
		p := TelemetrySource(b)
		b.instr, b.instrErr = os.ReadFile(p)
		if b.instrErr != nil {
			b.instrErr = fmt.Errorf("%w: read %q: %w; zisi_add_instrumentation_loader ships it from %s@%s (use that version with --bootstrap, or leave the flag off)", ErrNoBootstrap, p, b.instrErr, BootstrapPackage, BootstrapVersion)
		}
	})
	if b.instrErr != nil {
		return nil, b.instrErr
	}
	name, version := "undefined", "undefined"
	if generator != "" {
		if at := strings.LastIndex(generator, "@"); at > 1 {
			name, version = jsString(kebabCase(generator[:at])), jsString(generator[at+1:])
		} else {
			name = jsString(kebabCase(generator))
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "\nvar SERVICE_NAME = %s;\nvar SERVICE_VERSION = %s;\n", name, version)
	out.Write(b.instr)
	out.WriteByte('\n')
	return out.Bytes(), nil
}

var (
	camelBoundary = regexp.MustCompile(`([a-z])([A-Z])`)
	// kebabSeparators are the reference's [@#//$\s_\\.-]+, with
	// JavaScript's \s (Unicode spaces and line terminators).
	kebabSeparators = regexp.MustCompile(`[@#/$\t\n\v\f\r _\\.\-\x{00a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]+`)
)

// kebabCase is the reference's service-name kebab case: camelCase split,
// separator runs made one dash, lower case.
func kebabCase(s string) string {
	s = camelBoundary.ReplaceAllString(s, "$1 $2")
	s = strings.Trim(kebabSeparators.ReplaceAllString(s, " "), " ")
	return strings.ReplaceAll(strings.ToLower(s), " ", "-")
}

// jsString is JSON.stringify of a string: quotes, backslashes and control
// characters escaped (\b \f \n \r \t, others \u00xx), everything else
// as is, unlike Go's encoder, which also escapes HTML characters and line
// separators.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
