package binary

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestInspectRustStyleBinary(t *testing.T) {
	t.Parallel()
	// The reference recognises Rust by the rust_eh_personality symbol; a C
	// program defining that symbol exercises the same rule with gcc.
	dir := t.TempDir()
	src := filepath.Join(dir, "r.c")
	os.WriteFile(src, []byte("void rust_eh_personality(void) {}\nint main(void) { rust_eh_personality(); return 0; }\n"), 0o644)
	bin := filepath.Join(dir, "r")
	if out, err := exec.Command("gcc", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	info, err := Inspect(bin)
	if err != nil {
		t.Fatal(err)
	}
	if info.Runtime != RuntimeRust || info.OS != "linux" || !info.IsLambda("") {
		t.Errorf("info %+v", info)
	}
	// Stripping removes .symtab; the dynamic symbol table or string table
	// may still name it, otherwise the binary is no longer recognisable.
	plain := filepath.Join(dir, "p.c")
	os.WriteFile(plain, []byte("int main(void) { return 0; }\n"), 0o644)
	cbin := filepath.Join(dir, "c")
	if out, err := exec.Command("gcc", "-o", cbin, plain).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	if _, err := Inspect(cbin); !errors.Is(err, ErrNotBinary) {
		t.Errorf("a C binary: got %v, want ErrNotBinary", err)
	}
}

func TestInspectNonELF(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"script.sh": "#!/bin/sh\n", "empty": "", "fake": "\x7fELF garbage"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o755)
		if _, err := Inspect(p); !errors.Is(err, ErrNotBinary) {
			t.Errorf("%s: got %v, want ErrNotBinary", name, err)
		}
	}
	if _, err := Inspect(filepath.Join(dir, "missing")); err == nil || errors.Is(err, ErrNotBinary) {
		t.Errorf("missing file: got %v", err)
	}
}
