/**
 * The scenario table (tests/scenarios/scenarios.ts) through the engine harness — the same expectations as under
 * the real Pulumi CLI (tests/pulumi-cli/), so the embedded default cannot drift from the real engine.
 */
import { after, before, describe, it } from "node:test";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { HarnessDriver } from "../scenarios/driver";
import { SCENARIOS } from "../scenarios/scenarios";

describe("through the engine harness", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
  });
  after(() => emu.close());

  for (const s of SCENARIOS.filter((x) => !x.cliOnly).filter((x) => x.name.includes(process.env.FGS_SCENARIO ?? ""))) {
    it(s.name, async () => {
      const d = new HarnessDriver(emu, "harness");
      try {
        await s.run(d);
      } finally {
        d.cleanup();
      }
    });
  }
});
