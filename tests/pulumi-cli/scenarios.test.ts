/**
 * The scenario table (tests/scenarios/scenarios.ts) with plain `pulumi` commands on a JavaScript program
 * directory (the real CLI and Node.js language host, a file backend, passphrase secrets set with
 * `pulumi config set --secret`, no plugin downloads) against the embedded emulator. Skipped with one loud line
 * without a CLI or language host — unless FGS_REQUIRE_PULUMI_CLI=1 (CI), where that fails.
 */
import { after, before, describe, it } from "node:test";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { CliDriver } from "../scenarios/driver";
import { SCENARIOS } from "../scenarios/scenarios";
import { requirePlainPulumi } from "./requirements";

const found = requirePlainPulumi("tests/pulumi-cli/scenarios");

describe("plain pulumi on a JavaScript program", { skip: !found && "no Pulumi CLI or language host (npm run pulumi-cli)" }, () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
  });
  after(() => emu.close());

  for (const s of SCENARIOS.filter((x) => x.name.includes(process.env.FGS_SCENARIO ?? ""))) {
    it(s.name, async () => {
      const d = new CliDriver(emu, "cli", found!.cli);
      try {
        await s.run(d);
      } finally {
        d.cleanup();
      }
    });
  }
});
