# provsim: the one place for build, test, lint and bench commands.
GO ?= go
BIN := bin
space := $(subst ,, )

.PHONY: all build test test-norace chaos lint bench bench-full bench-go run serve clean

all: lint test

# --version prints the commit; this Go environment sets -buildvcs=false, so
# it is passed in (internal/cli/version.go).
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/provsim/provsim/internal/cli.commit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

# The README's test command; .ci/run calls it. Every package under the race
# detector, except harness/containers: its tests need Docker and the images,
# and run once, in test-containers.
test:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /harness/containers)

# Tests too slow under the race detector skip themselves there; they run
# here without it (.ci/run runs both legs). Each must report PASS, so a
# renamed or skipped test fails this target instead of vanishing.
NORACE_TESTS := TestExpandPeopleMillion
test-norace:
	@out=$$($(GO) test -count=1 -v -run '^($(subst $(space),|,$(NORACE_TESTS)))$$' ./harness/ 2>&1); status=$$?; \
	echo "$$out" | grep -E '^(--- |ok|FAIL|panic)' || true; \
	for t in $(NORACE_TESTS); do echo "$$out" | grep -q -- "--- PASS: $$t " || { echo "test-norace: $$t did not pass"; status=1; }; done; \
	[ $$status = 0 ] || { echo "$$out" | tail -30; exit 1; }

# More seeds of the model-based chaos test than CI runs
# (harness/chaos_model_test.go, docs/provisioning.md): make chaos SEEDS=1000
# [FIRST=1]. A failing seed's scenario is written to bin/.
SEEDS ?= 1000
FIRST ?= 1
chaos:
	@mkdir -p $(BIN)
	$(GO) test -count=1 -timeout 0 -run '^TestChaosModel$$' ./harness/ -chaos.seeds=$(SEEDS) -chaos.first=$(FIRST) -chaos.out=$(CURDIR)/$(BIN)

# gofmt, go vet, staticcheck (staticcheck.conf) and errcheck on non-test
# code (.ci/errcheck-excludes.txt says what it leaves unchecked and why).
# The two checkers are pinned and come through the Go module proxy with
# `go run`, so a clean machine needs nothing installed.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ERRCHECK := github.com/kisielk/errcheck@v1.30.0
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(ERRCHECK) -ignoretests -exclude .ci/errcheck-excludes.txt ./...

# The bench command: a table of figures beside bare baselines (a few
# minutes); bench-go runs the Go Benchmark functions of the hot paths.
# bench: the rows with targets at moderate sizes (20k-user directory and
# Okta org, memory to 100k, durable to 20k), a few minutes; bench-full:
# the issue sizes (100k users, 1M for memory, 100k durable, 2 s a side),
# much longer (12.5 min under load).
bench:
	$(GO) run ./cmd/harness bench --users 20000 --okta-users 20000 --memory-sizes 1000,100000 --durable-sizes 1000,20000 --duration 1500ms

bench-full:
	$(GO) run ./cmd/harness bench

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The main job: run the shipped scenarios (the guide end to end and the
# lifecycle around it) against in-process simulators. No Docker needed.
run:
	@echo "make run: compiling the harness and both simulators (the first time takes about 2 minutes), then running scenarios/"
	$(GO) run ./cmd/harness run scenarios/

# Serve mockatlassian (:8081) and mockokta (:8080) wired together with
# development tenants (see README).
serve:
	@echo "make serve: compiling the harness and both simulators (the first time takes about 2 minutes)"
	$(GO) run ./cmd/harness serve

clean:
	rm -rf $(BIN)

# Containers (docs/containers.md). No registry is needed: the images are
# static binaries from the host's Go toolchain in the FROM-scratch stages of
# docker/Dockerfile (compose.yaml builds the same images with Docker alone).
.PHONY: images images-current go-builder clean-images compose-up compose-down compose-smoke test-containers docker-only

# Build provsim/mockatlassian:dev, provsim/mockokta:dev and provsim/harness:dev.
images:
	$(GO) run docker/images.go

# Build only the images that are missing or from other source.
images-current:
	$(GO) run docker/images.go -missing

# provsim/go-builder:local, a builder image for docker/Dockerfile made from
# this Go toolchain, for `PROVSIM_GO_IMAGE=provsim/go-builder:local docker
# compose up --build` where golang:<version> cannot be pulled.
go-builder:
	docker/go-builder.sh

# Remove what images, compose and go-builder made: provsim/mockatlassian,
# provsim/mockokta and provsim/harness at PROVSIM_TAG (default dev), and the
# builder image (PROVSIM_GO_IMAGE, default provsim/go-builder:local). Only
# those references; nothing is pruned (docker/clean-images.sh).
clean-images:
	docker/clean-images.sh

# Both servers from compose.yaml, wired, with the development tenants;
# waits until both are healthy.
compose-up: images-current
	docker/compose.sh up

compose-down:
	docker/compose.sh down

# Up, healthy, one SCIM and one Okta API call, state across a restart, the
# scenarios profile, down.
compose-smoke: images-current
	docker/compose-smoke.sh

# The testcontainers-go module's tests and examples (they skip when no
# Docker daemon answers, unless PROVSIM_REQUIRE_DOCKER=1, as in CI).
test-containers: images-current
	TESTCONTAINERS_RYUK_DISABLED=true $(GO) test -count=1 ./harness/containers/...

# The README's "With Docker only" steps, as written, in a shell without Go:
# compose builds the images from docker/Dockerfile (PROVSIM_GO_IMAGE where
# golang:<version> cannot be pulled; make go-builder) and both servers come
# up healthy.
docker-only:
	docker/docker-only-test.sh
