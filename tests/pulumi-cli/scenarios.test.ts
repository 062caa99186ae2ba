/**
 * The scenario table (tests/scenarios/scenarios.ts) under the real Pulumi CLI: Automation API inline programs,
 * a file backend, passphrase secrets, no plugin downloads, against the embedded emulator. Without a CLI (the PATH
 * or scripts/pulumi-cli.sh's cache) the suite is skipped with one loud line — unless FGS_REQUIRE_PULUMI_CLI=1
 * (CI), where a missing CLI fails.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { findPulumiCli } from "../../harness";
import { CliDriver } from "../scenarios/driver";
import { SCENARIOS } from "../scenarios/scenarios";

const cli = findPulumiCli();
if (!cli) {
  if (process.env.FGS_REQUIRE_PULUMI_CLI === "1") {
    it("the Pulumi CLI is available (FGS_REQUIRE_PULUMI_CLI=1)", () => assert.fail("no pulumi CLI: run `npm run pulumi-cli` (needs Go and the Go module proxy)"));
  } else {
    process.stderr.write("\n!!! tests/pulumi-cli SKIPPED: no Pulumi CLI found (npm run pulumi-cli builds it; needs Go) !!!\n\n");
  }
}

describe("under the real Pulumi CLI", { skip: !cli && "no Pulumi CLI (npm run pulumi-cli)" }, () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
  });
  after(() => emu.close());

  for (const s of SCENARIOS.filter((x) => x.name.includes(process.env.FGS_SCENARIO ?? ""))) {
    it(s.name, async () => {
      const d = new CliDriver(emu, "cli", cli!);
      try {
        await s.run(d);
      } finally {
        d.cleanup();
      }
    });
  }
});
