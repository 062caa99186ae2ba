/**
 * What the plain-`pulumi` suites need: the real CLI (the PATH or scripts/pulumi-cli.sh's cache) and Pulumi's
 * Node.js language host (beside it or on the PATH). Without them a suite is skipped with one loud line, unless
 * FGS_REQUIRE_PULUMI_CLI=1 (CI), where a missing CLI or language host fails.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { findLanguageHost, findPulumiCli } from "../../harness";

/** The CLI and language host found. */
export interface PlainPulumi {
  cli: string;
  host: string;
}

/**
 * Finds both; when one is missing, registers a failing test under FGS_REQUIRE_PULUMI_CLI=1 or prints the skip
 * line, and returns undefined (pass `!found && reason` as the suite's `skip`).
 */
export function requirePlainPulumi(suite: string): PlainPulumi | undefined {
  const cli = findPulumiCli();
  const host = cli ? findLanguageHost(cli) : undefined;
  if (cli && host) return { cli, host };
  const what = cli ? `no pulumi-language-nodejs beside ${cli} or on the PATH` : "no Pulumi CLI";
  const fix = "npm run pulumi-cli builds both (needs Go, the Go module proxy and ../shared/vendor/pulumi-language-nodejs or FGS_LANGUAGE_HOST_SRC)";
  if (process.env.FGS_REQUIRE_PULUMI_CLI === "1") {
    it(`plain pulumi is available for ${suite} (FGS_REQUIRE_PULUMI_CLI=1)`, () => assert.fail(`${what}: ${fix}`));
  } else {
    process.stderr.write(`\n!!! ${suite} SKIPPED: ${what} (${fix}) !!!\n\n`);
  }
  return undefined;
}
