# zisi build, test and measurement targets. `make help` lists them.

GO          ?= go
# VERSION is the tag at HEAD without its v (v1.2.3 gives 1.2.3), else dev;
# the commit comes from the build info either way (zisi version).
VERSION     ?= $(or $(patsubst v%,%,$(shell git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null)),dev)
# RELEASE_ENV and RELEASE_FLAGS are the reproducible release settings, the
# same as internal/release (make dist) uses: no cgo, baseline
# microarchitecture, no user GOFLAGS, no local paths, the commit stamped
# when this is a git checkout.
# The commit is stamped from git too: go build's own stamp is missing in a
# linked git worktree (golang/go#58218).
RELEASE_ENV   := CGO_ENABLED=0 GOAMD64=v1 GOARM64=v8.0 GOFLAGS=
COMMIT         = $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED       = $(if $(shell git status --porcelain 2>/dev/null | head -c1),true,false)
COMMIT_TIME    = $(shell TZ=UTC git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD 2>/dev/null)
RELEASE_FLAGS  = -trimpath -buildvcs=auto -ldflags "-s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.modified=$(MODIFIED) -X main.commitTime=$(COMMIT_TIME)"
CACHE       := $(CURDIR)/.cache
NODE_TOOLS  := $(CACHE)/node-tools
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
REFERENCE   := $(CACHE)/reference
BENCH_SITE  := $(CACHE)/bench-site
BENCH_N     ?= 40
MAKE_SITE   ?= $(CURDIR)/../shared/bench/make-site.sh
SCALE_SITES ?= $(CACHE)/bench-scale
SCALE_SIZES ?= 40,200,1000
# fixtures/server (and fixtures/node-pnpm) have a Netlify Server in
# netlify/server, which conformance also builds with both tools.
FIXTURE_SITES := fixtures/demo fixtures/discovery fixtures/config fixtures/node-deps fixtures/node-pnpm fixtures/server fixtures/modern fixtures/v2-hoisted fixtures/go fixtures/framework fixtures/esm-flags
# FLAG_SITES have a conformance.json with feature-flag runs; conformance-fixtures
# also builds them in Netlify Build mode (one zipFunctions call with the flags).
FLAG_SITES := fixtures/esm-flags
# MONOREPOS are workspaces whose site is packages/site, compared with the
# workspace as both tools' repository root (as Netlify Build passes it).
MONOREPOS := fixtures/monorepo-npm fixtures/monorepo-pnpm
FUZZTIME    ?= 60s

# Each fuzz target as package:FuzzName.
FUZZ_TARGETS := ./config:FuzzParse ./config:FuzzMatch ./internal/archive:FuzzValidateName ./internal/routes:FuzzRoute ./internal/source:FuzzAnalyze ./resolver:FuzzExports ./internal/node:FuzzIncludes ./bundler:FuzzPrebuiltZip ./resolver:FuzzIsJunk ./resolver:FuzzRange ./config:FuzzExpandBraces ./internal/source:FuzzNesting ./config:FuzzDecodeMatchesGoTOML ./internal/node:FuzzQuickScan

.PHONY: help build install dist test test-deps vet lint bench bench-scale bench-go conformance conformance-fixtures conformance-astro conformance-corpus reference bench-site astro-site fuzz golden demo clean

help:
	@echo "build      build bin/zisi with reproducible release flags"
	@echo "install    install zisi into GOBIN (default GOPATH/bin) with the same flags"
	@echo "dist       release archives for linux, darwin, windows x amd64, arm64 and SHA256SUMS into dist/ (VERSION=1.2.3)"
	@echo "test       install test tools once (.cache/), then go test -race ./..."
	@echo "vet lint   go vet; gofmt, vet and staticcheck"
	@echo "conformance  compare with the reference on fixtures/, the Astro site and the benchmark site"
	@echo "conformance-astro  build fixtures/astro with Astro and its Netlify adapter, then compare on it"
	@echo "conformance-corpus BUILD_REPO=DIR  compare on the reference's own test fixtures (a netlify/build checkout)"
	@echo "bench      Go benchmarks, then reference vs zisi on the benchmark site (ZISI_BEFORE=BIN adds an earlier zisi)"
	@echo "bench-scale  zisi cold on sites of 40, 200 and 1,000 functions, the reference on 40 and 200, with the copy+deflate floor"
	@echo "fuzz       run every fuzz target for FUZZTIME (default 60s) each"
	@echo "golden     rewrite fixtures/*/expected from the current code"
	@echo "demo       build the demo site into out/demo"

build:
	$(RELEASE_ENV) $(GO) build $(RELEASE_FLAGS) -o bin/zisi ./cmd/zisi

install:
	$(RELEASE_ENV) $(GO) install $(RELEASE_FLAGS) ./cmd/zisi
	@dir=$$($(GO) env GOBIN); gopath=$$($(GO) env GOPATH); echo "installed $${dir:-$${gopath%%:*}/bin}/zisi"

# dist writes dist/zisi_VERSION_OS_ARCH.tar.gz (.zip for windows) and
# dist/SHA256SUMS; two runs on the same tree give the same bytes.
dist:
	rm -rf dist
	$(GO) run ./internal/tools/dist -version $(VERSION) -out dist

# test-deps installs what the tests use besides Go, once: the reference's
# glob library (minimatch, the version 16.2.3 resolves) to check our
# matcher against, pnpm, releases of the v2 bootstrap on both sides of the
# first one that can load zisi's entry point (bootstrap-VERSION), and the
# fixtures' real node_modules trees from their lock files. npm and pnpm
# use the user's registry settings.
BOOTSTRAP_VERSIONS := 1.38.0 1.41.0 2.23.0
test-deps: $(NODE_TOOLS)/.installed fixtures/node-deps/node_modules/.package-lock.json fixtures/modern/node_modules/.package-lock.json fixtures/v2-hoisted/node_modules/.package-lock.json fixtures/node-pnpm/node_modules/.modules.yaml \
	fixtures/server/node_modules/.package-lock.json fixtures/monorepo-npm/node_modules/.package-lock.json fixtures/monorepo-pnpm/node_modules/.modules.yaml \
	fixtures/framework/node_modules/.package-lock.json

$(NODE_TOOLS)/.installed:
	@command -v node >/dev/null || { echo "node is required for the tests"; exit 1; }
	@command -v unzip >/dev/null || { echo "unzip is required for the tests (apt-get install unzip)"; exit 1; }
	mkdir -p $(NODE_TOOLS)
	cd $(NODE_TOOLS) && npm install --no-audit --no-fund --loglevel=error --no-save minimatch@10.2.6 pnpm@9.15.9 urlpattern-polyfill@8.0.2 \
		$(foreach v,$(BOOTSTRAP_VERSIONS),bootstrap-$(v)@npm:@netlify/serverless-functions-api@$(v))
	touch $@

fixtures/node-deps/node_modules/.package-lock.json: fixtures/node-deps/package-lock.json
	cd fixtures/node-deps && npm ci --no-audit --no-fund --loglevel=error

fixtures/modern/node_modules/.package-lock.json: fixtures/modern/package-lock.json
	cd fixtures/modern && npm ci --no-audit --no-fund --loglevel=error

fixtures/v2-hoisted/node_modules/.package-lock.json: fixtures/v2-hoisted/package-lock.json
	cd fixtures/v2-hoisted && npm ci --no-audit --no-fund --loglevel=error

fixtures/server/node_modules/.package-lock.json: fixtures/server/package-lock.json
	cd fixtures/server && npm ci --no-audit --no-fund --loglevel=error

fixtures/framework/node_modules/.package-lock.json: fixtures/framework/package-lock.json
	cd fixtures/framework && npm ci --no-audit --no-fund --loglevel=error

fixtures/node-pnpm/node_modules/.modules.yaml: fixtures/node-pnpm/pnpm-lock.yaml $(NODE_TOOLS)/.installed
	cd fixtures/node-pnpm && $(NODE_TOOLS)/node_modules/.bin/pnpm install --frozen-lockfile --config.confirmModulesPurge=false

# The monorepos are installed at their workspace roots, which hoists the
# site's packages above it (npm) or into the root's .pnpm store (pnpm).
fixtures/monorepo-npm/node_modules/.package-lock.json: fixtures/monorepo-npm/package-lock.json
	cd fixtures/monorepo-npm && npm ci --no-audit --no-fund --loglevel=error

fixtures/monorepo-pnpm/node_modules/.modules.yaml: fixtures/monorepo-pnpm/pnpm-lock.yaml $(NODE_TOOLS)/.installed
	cd fixtures/monorepo-pnpm && $(NODE_TOOLS)/node_modules/.bin/pnpm install --frozen-lockfile --config.confirmModulesPurge=false

test: test-deps reference
	ZISI_NODE_TOOLS=$(NODE_TOOLS) ZISI_REFERENCE_DIR=$(REFERENCE) ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) test -race ./...
	# Tests built without -race (a 4 GiB zip64 entry; see zip64_test.go).
	$(GO) test -run 'TestZip64' ./internal/archive

vet:
	$(GO) vet ./...

lint: vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

# reference installs @netlify/zip-it-and-ship-it 16.2.3 once, to compare
# against; bench-site generates the benchmark site with shared/bench.
reference: $(REFERENCE)/.installed

$(REFERENCE)/.installed:
	mkdir -p $(REFERENCE)
	cd $(REFERENCE) && npm install --no-audit --no-fund --loglevel=error --no-save @netlify/zip-it-and-ship-it@16.2.3
	touch $@

# bench-scale: zisi cold on generated sites of SCALE_SIZES functions, the
# reference on those of at most 200, and each build's floor (copy plus
# deflate); the table goes into BENCHMARKS.md's scale section. Sites are
# kept in SCALE_SITES and reused.
bench-scale: build reference
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/benchcmp -scale $(SCALE_SIZES) -sites $(SCALE_SITES) -make-site $(MAKE_SITE) \
		-zisi bin/zisi -reference $(REFERENCE) -reference-max 200 -runs 3 -out BENCHMARKS.md

bench-site: $(BENCH_SITE)/.ready-$(BENCH_N)

$(BENCH_SITE)/.ready-$(BENCH_N):
	rm -rf $(BENCH_SITE)
	bash $(MAKE_SITE) $(BENCH_SITE) $(BENCH_N)
	touch $@

conformance-fixtures: reference test-deps
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) $(FIXTURE_SITES)
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) -mode site $(FLAG_SITES)
	for m in $(MONOREPOS); do ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) -repository-root $$m $$m/packages/site || exit 1; done

# astro-site builds fixtures/astro with the real framework: npm ci, then
# astro build, whose Netlify adapter writes the SSR function into
# .netlify/v1/functions and settings into .netlify/v1/config.json (build
# output, not committed). Astro 5 needs Node.js 18.20.8, 20.3 or 22.
ASTRO_SITE := fixtures/astro
ASTRO_SRC  := $(ASTRO_SITE)/package-lock.json $(ASTRO_SITE)/astro.config.mjs $(shell find $(ASTRO_SITE)/src -type f 2>/dev/null)
astro-site: $(ASTRO_SITE)/.netlify/v1/functions/ssr/ssr.mjs

$(ASTRO_SITE)/.netlify/v1/functions/ssr/ssr.mjs: $(ASTRO_SRC)
	cd $(ASTRO_SITE) && npm ci --no-audit --no-fund --loglevel=error
	cd $(ASTRO_SITE) && rm -rf .netlify dist && ASTRO_TELEMETRY_DISABLED=1 ./node_modules/.bin/astro build

conformance-astro: reference astro-site
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) $(ASTRO_SITE)

conformance: reference test-deps bench-site astro-site
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) $(FIXTURE_SITES) $(ASTRO_SITE) $(BENCH_SITE)
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) -mode site $(FLAG_SITES)
	for m in $(MONOREPOS); do ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) -repository-root $$m $$m/packages/site || exit 1; done
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) -node-bundler esbuild $(BENCH_SITE)

# conformance-corpus builds every fixture of the reference's own tests
# (packages/zip-it-and-ship-it/tests/fixtures*/ in a checkout of
# github.com/netlify/build) with both tools; CI does not run it. It runs
# npm install in the many-dependencies fixture and adds the symlinks
# fixture's link, as the reference's tests do.
conformance-corpus: reference
	@test -n "$(BUILD_REPO)" || { echo "usage: make conformance-corpus BUILD_REPO=<checkout of netlify/build>"; exit 2; }
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/conformance -reference $(REFERENCE) -corpus $(BUILD_REPO)

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

bench: bench-go build reference bench-site
	ZISI_CACHE_DIR=$(CACHE)/zisi $(GO) run ./cmd/benchcmp -zisi bin/zisi $(if $(ZISI_BEFORE),-zisi-before $(ZISI_BEFORE)) -reference $(REFERENCE) -runs 3 \
		-modes default,esbuild -out BENCHMARKS.md $(BENCH_SITE)

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

golden:
	$(GO) test ./bundler -run TestGolden -update

demo:
	$(GO) run ./cmd/zisi build --config fixtures/demo/netlify.toml out/demo

clean:
	rm -rf bin out dist
