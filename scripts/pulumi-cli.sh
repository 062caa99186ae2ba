#!/usr/bin/env bash
# Builds the pinned Pulumi CLI from the Go module proxy into a cache outside the checkout, once, and prints the
# directory holding `pulumi`. The version is pinned in one place: package.json "config.pulumiCli" (keep the
# devDependency @pulumi/pulumi at the same version). Quiet on a cache hit.
#
#   scripts/pulumi-cli.sh            build if needed, print the bin directory
#   scripts/pulumi-cli.sh --check    print the bin directory if already built, exit 1 otherwise (never builds)
#   scripts/pulumi-cli.sh --if-go    build when Go is installed; without Go say so loudly and exit 0 (npm test)
#
# The Node.js language host (pulumi-language-nodejs) is not built: its module has no version tags and the
# module proxy here refuses it, so programs run under the real CLI through Automation API inline programs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
version="$(node -p "require('$here/package.json').config.pulumiCli")"
cache="${FGS_PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-functiongraph/pulumi-cli}"
bin="$cache/v$version/bin"

if [[ -x "$bin/pulumi" ]] && "$bin/pulumi" version >/dev/null 2>&1; then
  echo "$bin"; exit 0
fi
if [[ "${1:-}" == "--check" ]]; then exit 1; fi

if ! command -v go >/dev/null 2>&1; then
  if [[ "${1:-}" == "--if-go" ]]; then
    echo "!!! pulumi-cli: Go is not installed: the real-CLI tests will be skipped (install Go >= 1.26 to run them) !!!" >&2
    exit 0
  fi
  echo "pulumi-cli: Go is not installed (need Go >= 1.26 on PATH to build the Pulumi CLI v$version from the Go module proxy)" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-cli-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log="$work/build.log"
echo "pulumi-cli: building Pulumi CLI v$version from the Go module proxy (first time only, several minutes)..." >&2
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
fail() { echo "pulumi-cli: $1 (log follows)" >&2; tail -n 30 "$log" >&2; exit 3; }

gomod="$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" 2>>"$log" | node -e '
  let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.GoMod)})' 2>>"$log")" \
  || fail "the Go module proxy did not serve github.com/pulumi/pulumi/pkg/v3@v$version (is GOPROXY reachable?)"

cd "$work"
cat > go.mod <<MOD
module fgs.local/pulumi-cli

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version
)
MOD
# Repeat pkg's non-local replace directives (its local ../sdk replace is what `go install` refuses).
grep -E '^replace .* => [^./]' "$gomod" >> go.mod || true
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
go mod tidy >>"$log" 2>&1 || fail "go mod tidy failed"
mkdir -p "$bin.tmp"
go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >>"$log" 2>&1 || fail "go build failed"
"$bin.tmp/pulumi" version >/dev/null 2>&1 || fail "the built CLI does not run"
rm -rf "$bin"; mkdir -p "$(dirname "$bin")"; mv "$bin.tmp" "$bin"
echo "pulumi-cli: built $("$bin/pulumi" version) into $bin" >&2
echo "$bin"
