# provsim: the one place for build, test, lint and bench commands.
GO ?= go
BIN := bin

.PHONY: all build test lint bench run clean

all: lint test

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# The README's test command; .ci/run calls it.
test:
	$(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Start mockatlassian with development settings (no Docker needed).
run:
	$(GO) run ./cmd/mockatlassian --addr 127.0.0.1:8081 \
		--org-id dev-org --directory-id dev-directory --api-key dev-scim-key --org-api-key dev-org-key \
		--verified-domain example.com --site acme.atlassian.net=jira-software+confluence

clean:
	rm -rf $(BIN)
