# postlive: the two commands a new user needs are `make demo` and `make test`.
GO ?= go
DEMO ?= demo

.PHONY: demo test assets build install vet lint bench fuzz clean

# The ECharts bundle inlined into the HTML reports is built from the npm
# registry (versions pinned in reports/assets/package-lock.json), not committed.
assets:
	sh reports/assets/build.sh

# The version --version prints: git describe of the checkout.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS = -X main.version=$(VERSION)

# bin/postlive, with the chart bundle built in (a plain `go build` without
# the bundle makes a binary whose report, run, demo and send refuse to start).
build: assets
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/postlive ./cmd/postlive

# postlive into $(go env GOBIN), else $(go env GOPATH)/bin: on the PATH of
# most Go set-ups (README.md § Install).
install: assets
	$(GO) install -ldflags '$(LDFLAGS)' ./cmd/postlive
	@dir=$$($(GO) env GOBIN); [ -n "$$dir" ] || dir=$$($(GO) env GOPATH)/bin; \
	echo "installed $$dir/postlive"; \
	case ":$$PATH:" in *":$$dir:"*) ;; *) echo "$$dir is not on your PATH: export PATH=\"$$dir:\$$PATH\"";; esac

# Run the whole pipeline on the bundled sample exports with bin/postlive.
demo: build
	bin/postlive demo --out $(DEMO)

# Every test: unit, hand-computed KPIs, statistics against reference vectors,
# reports in headless Chromium (skipped unless chromium is installed or CI=true),
# the crash test (50 SIGKILLed nightly runs). The timeout is above go test's
# default 10 minutes because the crash test alone takes 3-6 minutes on 2 busy cores.
test: assets
	$(GO) test -timeout 45m ./...

vet: assets
	$(GO) vet ./...

# gofmt, go vet and the import direction of docs/architecture.md
# (.golangci.yml: depguard). golangci-lint is installed from the Go module
# proxy at this version into bin/ (again when this file changes).
GOLANGCI_LINT_VERSION = v2.15.0

bin/golangci-lint: Makefile
	GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	touch $@

lint: assets bin/golangci-lint
	@unformatted=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...)); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	bin/golangci-lint run ./...

bench: assets
	sh bench/run.sh

clean:
	rm -rf bin $(DEMO) reports/assets/echarts.min.js reports/assets/node_modules artifacts
