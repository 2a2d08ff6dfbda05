package binary

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
)

// Runtime is the language a binary was built from.
type Runtime string

// Runtimes reported by Inspect.
const (
	RuntimeGo   Runtime = "go"
	RuntimeRust Runtime = "rs"
)

// Info describes a detected binary.
type Info struct {
	Runtime Runtime
	// OS is "linux" or the ELF OS/ABI name for other systems.
	OS string
	// Arch uses Go's names: amd64, arm64, 386, arm, or the ELF machine name.
	Arch string
}

// IsLambda reports whether the binary can run on Netlify's functions
// platform for the given architecture ("amd64" by default).
func (i Info) IsLambda(arch string) bool {
	if arch == "" {
		arch = "amd64"
	}
	return i.OS == "linux" && i.Arch == arch
}

func (i Info) String() string { return fmt.Sprintf("%s binary for %s/%s", i.Runtime, i.OS, i.Arch) }

// ErrNotBinary means the file is not an ELF built by Go or Rust.
var ErrNotBinary = errors.New("not a Go or Rust ELF binary")

var elfMagic = []byte("\x7fELF")

// Inspect reads the file at path. It returns ErrNotBinary (wrapped) for
// anything that is not a Go or Rust ELF binary, so callers can ignore such
// files cheaply: only the first four bytes of a non-ELF file are read.
func Inspect(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("open %q: %w", path, err)
	}
	defer f.Close()
	return InspectReader(f)
}

// InspectReader is Inspect for an open file.
func InspectReader(r io.ReaderAt) (Info, error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil || !bytes.Equal(magic[:], elfMagic) {
		return Info{}, ErrNotBinary
	}
	ef, err := elf.NewFile(r)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %w", ErrNotBinary, err)
	}
	info := Info{OS: osName(ef.OSABI), Arch: archName(ef.Machine)}
	switch {
	case ef.Section(".note.go.buildid") != nil:
		info.Runtime = RuntimeGo
	case hasRustSymbol(ef):
		info.Runtime = RuntimeRust
	default:
		return Info{}, ErrNotBinary
	}
	return info, nil
}

func hasRustSymbol(ef *elf.File) bool {
	for _, load := range []func() ([]elf.Symbol, error){ef.Symbols, ef.DynamicSymbols} {
		syms, err := load()
		if err != nil {
			continue
		}
		for _, s := range syms {
			if s.Name == "rust_eh_personality" {
				return true
			}
		}
	}
	// Stripped binaries keep the name in the string table only.
	if s := ef.Section(".strtab"); s != nil {
		if data, err := s.Data(); err == nil && bytes.Contains(data, []byte("\x00rust_eh_personality\x00")) {
			return true
		}
	}
	return false
}

func osName(abi elf.OSABI) string {
	switch abi {
	case elf.ELFOSABI_NONE, elf.ELFOSABI_LINUX:
		return "linux"
	case elf.ELFOSABI_FREEBSD:
		return "freebsd"
	case elf.ELFOSABI_NETBSD:
		return "netbsd"
	case elf.ELFOSABI_OPENBSD:
		return "openbsd"
	case elf.ELFOSABI_SOLARIS:
		return "solaris"
	}
	return abi.String()
}

func archName(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_386:
		return "386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_RISCV:
		return "riscv64"
	}
	return m.String()
}
