# postlive: the two commands a new user needs are `make demo` and `make test`.
GO ?= go
DEMO ?= demo

.PHONY: demo test assets build vet bench fuzz clean

# The ECharts bundle inlined into the HTML reports is built from the npm
# registry (versions pinned in reports/assets/package-lock.json), not committed.
assets:
	sh reports/assets/build.sh

build: assets
	$(GO) build -o bin/postlive ./cmd/postlive

# Run the whole pipeline on the bundled sample exports.
demo: assets
	$(GO) run ./cmd/postlive demo --out $(DEMO)

# Every test: unit, hand-computed KPIs, statistics against reference vectors,
# reports in headless Chromium (skipped unless chromium is installed or CI=true),
# the crash test (50 SIGKILLed nightly runs). The timeout is above go test's
# default 10 minutes because the crash test alone takes 3-6 minutes on 2 busy cores.
test: assets
	$(GO) test -timeout 45m ./...

vet: assets
	$(GO) vet ./...

bench: assets
	sh bench/run.sh

clean:
	rm -rf bin $(DEMO) reports/assets/echarts.min.js reports/assets/node_modules artifacts
