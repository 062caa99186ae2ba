/**
 * A Python handler calling `sys.exit()` while the instance serves calls on threads (`concurrent_num` > 1): the
 * call ends at once as the handler's error (SystemExit), not unanswered until its timeout, and the instance serves on.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { deploy, sdkInvoke } from "../emulator/invoke-helpers";

const CODE = `import sys
def handler(event, context):
    if event.get("exit"):
        sys.exit(3)
    return "served"
`;

describe("sys.exit in a concurrent Python instance", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    await deploy(emu, "exiter", { "index.py": CODE }, { runtime: "Python3.10", timeout: 20 });
    await emu.modifyConfig("default:exiter", { strategy_config: { concurrent_num: 2 } } as never);
  });
  after(() => emu.close());

  it("answers SystemExit well before the timeout; the next call is served", async () => {
    const started = Date.now();
    const failed = await sdkInvoke(emu, "exiter", { exit: true }).then((out) => out, (e: { errorMsg?: string; httpStatusCode?: number }) => e);
    assert.ok(Date.now() - started < 10000, "the call ended well before its 20 s timeout");
    assert.match(JSON.stringify(failed), /SystemExit/);
    assert.equal((await sdkInvoke(emu, "exiter", {})).result, '"served"');
  });
});
