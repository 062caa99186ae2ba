#!/usr/bin/env bash
# Plays the GitOps pipeline of github-actions.yml / gitlab-ci.yml on this machine, with the emulator standing in
# for FunctionGraph and for OBS: runners that share nothing but the stack's state in the emulator's OBS (each its
# own clone of the "repository" and its own PULUMI_HOME) run the pipeline's commands, with the environment the CI
# files give them (only the endpoint and the credentials differ from real OBS).
#
#   examples/gitops/pipeline.sh        (after `npm run build`; tests/pulumi-cli/gitops.test.ts runs it in CI)
#
# Needs on PATH (or next to the pulumi found by scripts/pulumi-cli.sh --check): pulumi and pulumi-language-nodejs.
# FGS_GITOPS_WORK=DIR keeps the work (clones, artifacts, emulator data) in DIR instead of a removed temp dir.
#
#   1. bootstrap (a person, once): pulumi login; pulumi stack init; commit Pulumi.<stack>.yaml
#   2. push to main, runner A:        pulumi up                        → the function is created
#   3. pull request, runner B:        pulumi preview --json            → no change (state read from OBS)
#   4. pull request with a code edit: pulumi preview --json            → 1 update, kept as artifacts/preview-pr.json
#   5. merge, runner C:               pulumi up                        → the update is deployed
#   6. schedule, runner D:            pulumi preview --refresh --expect-no-changes → passes; after a change made
#                                     outside (the emulator's admin API) it fails: drift
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
say() { printf '\n== %s\n' "$*"; }
die() { printf 'gitops pipeline: %s\n' "$*" >&2; exit 1; }

[[ -f "$repo/dist/bin/fgs.js" ]] || die "build the repository first (npm run build)"
if ! command -v pulumi >/dev/null 2>&1; then
  bin="$(bash "$repo/scripts/pulumi-cli.sh" --check 2>/dev/null)" || die "no pulumi on PATH and none built (npm run pulumi-cli)"
  PATH="$bin:$PATH"
fi
PATH="$(dirname "$(command -v pulumi)"):$PATH"
command -v pulumi-language-nodejs >/dev/null 2>&1 \
  || die "pulumi-language-nodejs (the Node.js language host plain \`pulumi up\` runs programs with) is not on PATH nor next to $(command -v pulumi)"
# The dynamic provider's launcher ships in @pulumi/pulumi (a Pulumi distribution has it beside the CLI).
command -v pulumi-resource-pulumi-nodejs >/dev/null 2>&1 \
  || PATH="$(dirname "$(node -p 'require.resolve("@pulumi/pulumi/package.json")' 2>/dev/null || (cd "$repo" && node -p 'require.resolve("@pulumi/pulumi/package.json")'))"):$PATH"
export PATH

# Clones live under the repository so the program resolves pulumi-functiongraph and @pulumi/pulumi from it.
mkdir -p "$repo/.fgs-test-stacks"
if [[ -n "${FGS_GITOPS_WORK:-}" ]]; then work="$FGS_GITOPS_WORK"; mkdir -p "$work"; else work="$(mktemp -d "$repo/.fgs-test-stacks/gitops.XXXXXX")"; fi
emulator_pid=""
cleanup() {
  [[ -n "$emulator_pid" ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  [[ -n "${FGS_GITOPS_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

say "emulator: FunctionGraph + OBS (HTTP and HTTPS) with a state bucket"
access_key="GITOPSEXAMPLEKEY"
secret_key="$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')"
FGS_EMULATOR_ACCESS_KEY="$access_key" FGS_EMULATOR_SECRET_KEY="$secret_key" node "$repo/dist/bin/fgs.js" emulator --data-dir "$work/emulator" --obs-bucket pulumi-state \
  >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 100); do grep -q "Ctrl-C to stop" "$work/emulator.out" 2>/dev/null && break; sleep 0.2; done
grep -q "Ctrl-C to stop" "$work/emulator.out" || { cat "$work/emulator.err" >&2; die "the emulator did not start"; }
field() { sed -n "s/^  $1 *\([^ ]*\).*/\1/p" "$work/emulator.out" | head -1; }
fg_url="$(sed -n 's/^FunctionGraph emulator listening on //p' "$work/emulator.out")"
obs_https="$(field "obs https")"
ca_file="$(sed -n 's/^  obs https .*(certificate \([^:]*\):.*/\1/p' "$work/emulator.out")"
region="$(field region)"
project="$(field "project id")"
[[ -n "$fg_url" && -n "$obs_https" && -f "$ca_file" && -n "$region" ]] || die "could not read the emulator's endpoints from its banner"
echo "FunctionGraph $fg_url, OBS $obs_https (certificate $ca_file)"

# --- What the CI secrets and variables provide. Against real OBS only these values change. ---
export PULUMI_BACKEND_URL="s3://pulumi-state?endpoint=$obs_https&region=$region&s3ForcePathStyle=true"
export AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key"
export AWS_CA_BUNDLE="$ca_file"                       # the emulator's self-signed certificate; not for real OBS
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
export PULUMI_CONFIG_PASSPHRASE="gitops-example-passphrase"
export HUAWEICLOUD_SDK_AK="$access_key" HUAWEICLOUD_SDK_SK="$secret_key" HUAWEICLOUD_SDK_PROJECT_ID="$project" HW_REGION_NAME="$region"
export "HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_$(tr 'a-z-' 'A-Z_' <<<"$region")=$fg_url"   # not for the real cloud
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
stack=dev

# The "repository" every runner clones: the example program.
origin="$work/origin"
mkdir -p "$origin" "$work/artifacts"
cp -R "$here/Pulumi.yaml" "$here/index.js" "$here/app" "$here/preview-summary.js" "$origin/"
clone() { rm -rf "$work/$1"; cp -R "$origin" "$work/$1"; mkdir -p "$work/$1-home"; }
# A runner: its own clone and PULUMI_HOME; `pulumi login` first, as the CI jobs do.
runner() {
  local name="$1"; shift
  (cd "$work/$name" && export PULUMI_HOME="$work/$name-home" && pulumi login "$PULUMI_BACKEND_URL" >/dev/null && "$@")
}

say "1. bootstrap: pulumi stack init $stack; Pulumi.$stack.yaml committed"
clone bootstrap
runner bootstrap pulumi stack init "$stack" --non-interactive
runner bootstrap pulumi config set greeting hello --stack "$stack"
cp "$work/bootstrap/Pulumi.$stack.yaml" "$origin/"

say "2. push to main, runner A: pulumi up"
clone runner-a
runner runner-a pulumi up --stack "$stack" --non-interactive --yes --skip-preview
urn="$(runner runner-a pulumi stack output funcUrn --stack "$stack")"
[[ "$urn" == urn:fss:* ]] || die "runner A's up did not export the function URN (got '$urn')"

say "3. pull request, runner B (another clone and PULUMI_HOME): pulumi preview --json → no change"
clone runner-b
runner runner-b pulumi preview --stack "$stack" --non-interactive --json >"$work/artifacts/preview-noop.json"
node "$origin/preview-summary.js" "$work/artifacts/preview-noop.json" | tee "$work/artifacts/preview-noop.md"
grep -q "^\*\*no changes\*\*" "$work/artifacts/preview-noop.md" || die "runner B's preview of an unchanged repository shows changes"

say "4. pull request with a code edit, runner B: pulumi preview --json → 1 update (artifact)"
echo "// a change under review" >>"$work/runner-b/app/index.js"
runner runner-b pulumi preview --stack "$stack" --non-interactive --json >"$work/artifacts/preview-pr.json"
node "$origin/preview-summary.js" "$work/artifacts/preview-pr.json" | tee "$work/artifacts/preview-pr.md"
grep -q "^\*\*1 to update\*\*" "$work/artifacts/preview-pr.md" || die "the pull request's preview does not show exactly 1 update"

say "5. merge, runner C: pulumi up → the update is deployed"
cp "$work/runner-b/app/index.js" "$origin/app/index.js"
clone runner-c
runner runner-c pulumi up --stack "$stack" --non-interactive --yes --skip-preview
runner runner-c pulumi preview --stack "$stack" --non-interactive --expect-no-changes >/dev/null

say "6. schedule, runner D: pulumi preview --refresh --expect-no-changes → passes, then fails on drift"
clone runner-d
runner runner-d pulumi preview --stack "$stack" --non-interactive --refresh --expect-no-changes
# The admin API needs this run's token, printed in the emulator's banner.
admin_token="$(sed -n 's/^  export FGS_EMULATOR_ADMIN_TOKEN=\([^ ]*\).*/\1/p' "$work/emulator.out")"
[[ -n "$admin_token" ]] || die "could not read the emulator's admin token from its banner"
curl -fsS -X PATCH -H "X-Fgs-Admin: $admin_token" -H "Content-Type: application/json" -d '{"memory_size":1024}' \
  "$fg_url/__admin/functions/$urn/config" >/dev/null
if runner runner-d pulumi preview --stack "$stack" --non-interactive --refresh --expect-no-changes >"$work/artifacts/drift.txt" 2>&1; then
  cat "$work/artifacts/drift.txt"; die "the drift job passed although the function was changed outside Pulumi"
fi
grep -E "memorySize|memory_size" "$work/artifacts/drift.txt" || { cat "$work/artifacts/drift.txt"; die "the drift job failed without naming the drifted setting"; }

say "gitops pipeline: OK (state in s3://pulumi-state of the emulator's OBS, shared by 4 runners)"
