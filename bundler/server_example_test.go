package bundler_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/zisi-build/zisi/bundler"
)

// Build a site's Netlify Server when it has one: find the entry in
// netlify/server, then build it into its own folder, whose manifest.json
// is the server manifest.
func ExampleZipServer() {
	site, _ := filepath.Abs(filepath.Join("..", "fixtures", "server"))
	dest, err := os.MkdirTemp("", "zisi-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dest)

	entry, err := bundler.FindServerEntry(filepath.Join(site, "netlify", "server"))
	if errors.Is(err, bundler.ErrNoServerEntry) {
		return // the site has no server
	}
	if err != nil {
		log.Fatal(err)
	}
	res, err := bundler.ZipServer(context.Background(), entry, dest, bundler.Options{BasePath: site})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(filepath.Base(res.Path), res.Bundler, res.RuntimeVersion, res.Routes[0].Pattern, res.Routes[0].PreferStatic)
	fmt.Println("manifest:", filepath.Base(res.Manifest))
	// Output:
	// server.tgz nft nodejs24.x /* true
	// manifest: manifest.json
}
