#!/usr/bin/env bash
# Builds the pinned Pulumi CLI from the Go module proxy, and beside it Pulumi's Node.js language host
# (pulumi-language-nodejs, which plain `pulumi up` on a program directory needs), into a cache outside the
# checkout, once, and prints the directory holding both (plus the dynamic provider's launcher,
# pulumi-resource-pulumi-nodejs, copied from node_modules/@pulumi/pulumi as a regular Pulumi install has it). The version is pinned in one place: package.json
# "config.pulumiCli" (keep the devDependency @pulumi/pulumi at the same version). Quiet on a cache hit.
#
#   scripts/pulumi-cli.sh            build what is missing, print the bin directory
#   scripts/pulumi-cli.sh --check    print the bin directory if both are built, exit 1 otherwise (never builds)
#   scripts/pulumi-cli.sh --if-go    build when Go is installed; without Go (or without the language host's
#                                    source) say so loudly and exit 0 (npm test)
#
# The language host's module has no version tags and the module proxy refuses it, so it is built from its source:
# FGS_LANGUAGE_HOST_SRC, else ../shared/vendor/pulumi-language-nodejs beside this checkout (upstream
# sdk/nodejs/cmd/pulumi-language-nodejs with go.mod pinned to pkg/v3 and sdk/v3 at the CLI's version). A build
# input only: it is copied to a temporary directory and built there, never into this repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
version="$(node -p "require('$here/package.json').config.pulumiCli")"
cache="${FGS_PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-functiongraph/pulumi-cli}"
bin="$cache/v$version/bin"
host_src="${FGS_LANGUAGE_HOST_SRC:-$here/../shared/vendor/pulumi-language-nodejs}"
mode="${1:-}"

cli_ok() { [[ -x "$bin/pulumi" ]] && "$bin/pulumi" version >/dev/null 2>&1; }
# The language host answers `-help` with its usage (exit 0 or 2) when the binary runs at all.
host_ok() { [[ -x "$bin/pulumi-language-nodejs" ]] && { "$bin/pulumi-language-nodejs" -help >/dev/null 2>&1; (($? == 0 || $? == 2)); }; }

# Builds pulumi-language-nodejs into $bin from a writable copy of its source (Go may touch go.mod/go.sum).
build_language_host() {
  if [[ ! -f "$host_src/go.mod" || ! -f "$host_src/main.go" ]]; then
    local msg="the Node.js language host's source is not at $host_src (set FGS_LANGUAGE_HOST_SRC to a copy of pulumi's sdk/nodejs/cmd/pulumi-language-nodejs whose go.mod requires pkg/v3 and sdk/v3 v$version): plain 'pulumi up' needs pulumi-language-nodejs; without it fgs runs programs as Automation API inline programs"
    if [[ "$mode" == "--if-go" ]]; then echo "!!! pulumi-cli: $msg !!!" >&2; return 0; fi
    echo "pulumi-cli: $msg" >&2; return 4
  fi
  local hwork hlog
  hwork="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-language-nodejs-build.XXXXXX")"
  hlog="$hwork.log"
  cp -r "$host_src/." "$hwork/" && chmod -R u+w "$hwork"
  echo "pulumi-cli: building pulumi-language-nodejs from $host_src..." >&2
  if ! (cd "$hwork" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}" \
        go build -trimpath -ldflags "-s -w" -o "$bin/pulumi-language-nodejs.tmp" .) >"$hlog" 2>&1; then
    echo "pulumi-cli: building pulumi-language-nodejs failed (log follows)" >&2; tail -n 30 "$hlog" >&2
    rm -rf "$hwork" "$hlog" "$bin/pulumi-language-nodejs.tmp"; return 3
  fi
  rm -rf "$hwork" "$hlog"
  mv "$bin/pulumi-language-nodejs.tmp" "$bin/pulumi-language-nodejs"
  echo "pulumi-cli: built pulumi-language-nodejs into $bin" >&2
}

# The dynamic provider's launcher, which a regular Pulumi install ships beside `pulumi`: the copy in the pinned
# @pulumi/pulumi (it resolves the program's own @pulumi/pulumi from the directory the engine starts it in).
install_launcher() {
  local src="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [[ -d "$bin" && -f "$src" && ! -x "$bin/pulumi-resource-pulumi-nodejs" ]]; then
    cp "$src" "$bin/pulumi-resource-pulumi-nodejs.tmp" && chmod 0755 "$bin/pulumi-resource-pulumi-nodejs.tmp" \
      && mv "$bin/pulumi-resource-pulumi-nodejs.tmp" "$bin/pulumi-resource-pulumi-nodejs"
  fi
  return 0
}
trap install_launcher EXIT

if cli_ok && host_ok; then echo "$bin"; exit 0; fi
if [[ "$mode" == "--check" ]]; then exit 1; fi

if ! command -v go >/dev/null 2>&1; then
  if [[ "$mode" == "--if-go" ]]; then
    echo "!!! pulumi-cli: Go is not installed: the real-CLI tests will be skipped (install Go >= 1.26 to run them) !!!" >&2
    exit 0
  fi
  echo "pulumi-cli: Go is not installed (need Go >= 1.26 on PATH to build the Pulumi CLI v$version from the Go module proxy)" >&2
  exit 2
fi

if cli_ok; then
  build_language_host || exit $?
  echo "$bin"; exit 0
fi

if cli_ok; then
  build_language_host || exit $?
  echo "$bin"; exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-cli-build.XXXXXX")"
trap 'rm -rf "$work"; install_launcher' EXIT
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
cd "$here"
build_language_host || exit $?
echo "$bin"
