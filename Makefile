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

# Start mockatlassian (:8081) and mockokta (:8080) wired together, with
# development settings (no Docker needed). Ctrl-C stops both.
run: build
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/mockatlassian --addr 127.0.0.1:8081 \
		--org-id dev-org --directory-id dev-directory --api-key dev-scim-key --org-api-key dev-org-key \
		--verified-domain example.com --site acme.atlassian.net=jira-software+confluence & \
	$(BIN)/mockokta --addr 127.0.0.1:8080 --org-id dev-okta --api-token dev-okta-token \
		--atlassian-scim-url http://127.0.0.1:8081/scim/directory/dev-directory --atlassian-scim-token dev-scim-key & \
	wait

clean:
	rm -rf $(BIN)
