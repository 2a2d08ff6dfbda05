package bundler_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
)

// Build a site's functions the way a deploy tool would: read netlify.toml,
// build every function, then read the results.
func ExampleZipFunctions() {
	site := filepath.Join("..", "fixtures", "demo")
	toml, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		log.Fatal(err)
	}
	dest, err := os.MkdirTemp("", "zisi-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dest)

	rep, err := bundler.ZipFunctions(context.Background(), []string{toml.FunctionsDirectory}, dest, bundler.Options{
		Config: &toml.Functions,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, fn := range rep.Functions {
		fmt.Printf("%-18s %s %s %s\n", fn.Name, fn.Runtime, fn.Bundler, filepath.Base(fn.Path))
	}
	fmt.Println("manifest:", filepath.Base(rep.Manifest))
	// Output:
	// hello              js zisi hello.zip
	// legacy             js zisi legacy.zip
	// report-background  js zisi report-background.zip
	// api                js zisi api.zip
	// greet              js zisi greet.zip
	// manifest: manifest.json
}

// Ask why a package ships with a function, and match a classified
// failure without importing zisi's internals.
func ExampleExplain() {
	site := filepath.Join("..", "fixtures", "node-deps")
	toml, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		log.Fatal(err)
	}
	ex, err := bundler.Explain(context.Background(), []string{filepath.Join(site, config.DefaultFunctionsDirectory)}, "cjs-lodash", "lodash",
		bundler.Options{Config: &toml.Functions, BasePath: site})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("shipped:", ex.Shipped)
	for _, step := range ex.Chain {
		fmt.Printf("%s (%s)\n", filepath.Base(step.Path), step.Why)
	}

	_, err = bundler.ZipFunction(context.Background(), filepath.Join(site, "package.json"), os.TempDir(), bundler.Options{})
	fmt.Println("not a function:", errors.Is(err, bundler.ErrNotFunction))
	// Output:
	// shipped: true
	// lodash (imported)
	// helper.js (imported)
	// cjs-lodash.js (main file)
	// not a function: true
}
