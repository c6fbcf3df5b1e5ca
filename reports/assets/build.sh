#!/bin/sh
# build.sh builds reports/assets/echarts.min.js, the ECharts bundle that postlive
# inlines into its HTML reports (embedded by reports/assets.go with go:embed).
#
# It installs the exact versions pinned in package-lock.json from the npm registry
# (npm ci) and bundles entry.js with esbuild. The bundle and node_modules are build
# outputs: both are gitignored and never committed.
#
# Usage: sh reports/assets/build.sh   (from anywhere; needs node >= 18 and npm)
# Set POSTLIVE_ASSETS_FORCE=1 to rebuild when the bundle is already up to date.
set -eu

cd "$(dirname "$0")"

out=echarts.min.js
if [ "${POSTLIVE_ASSETS_FORCE:-}" != 1 ] && [ -s "$out" ] &&
	[ "$out" -nt package-lock.json ] && [ "$out" -nt entry.js ] && [ "$out" -nt build.sh ]; then
	exit 0
fi

npm ci --no-audit --no-fund --loglevel=error
./node_modules/.bin/esbuild entry.js \
	--bundle \
	--minify \
	--format=iife \
	--target=es2017 \
	--legal-comments=none \
	--log-level=warning \
	--outfile="$out.tmp"
mv "$out.tmp" "$out"
