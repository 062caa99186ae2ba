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

const FIX = "npm run pulumi-cli builds both (needs Go, the Go module proxy and ../shared/vendor/pulumi-language-nodejs or FGS_LANGUAGE_HOST_SRC)";

/** A missing requirement: a failing test under FGS_REQUIRE_PULUMI_CLI=1, else the one loud skip line. */
function missing(suite: string, what: string): void {
  if (process.env.FGS_REQUIRE_PULUMI_CLI === "1") {
    it(`plain pulumi is available for ${suite} (FGS_REQUIRE_PULUMI_CLI=1)`, () => assert.fail(`${what}: ${FIX}`));
  } else {
    process.stderr.write(`\n!!! ${suite} SKIPPED: ${what} (${FIX}) !!!\n\n`);
  }
}

/**
 * Finds both; when one is missing, registers a failing test under FGS_REQUIRE_PULUMI_CLI=1 or prints the skip
 * line, and returns undefined (pass `!found && reason` as the suite's `skip`).
 */
export function requirePlainPulumi(suite: string): PlainPulumi | undefined {
  const cli = findPulumiCli();
  const host = cli ? findLanguageHost(cli) : undefined;
  if (cli && host) return { cli, host };
  missing(suite, cli ? `no pulumi-language-nodejs beside ${cli} or on the PATH` : "no Pulumi CLI");
  return undefined;
}

/** The CLI alone (suites that run the program inline, without a language host); undefined as {@link requirePlainPulumi}. */
export function requirePulumiCli(suite: string): string | undefined {
  const cli = findPulumiCli();
  if (!cli) missing(suite, "no Pulumi CLI");
  return cli;
}
