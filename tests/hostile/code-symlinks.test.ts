/**
 * A code zip with a symbolic-link entry (to /etc/shadow, to the data dir) must not become a link in the unpacked
 * code the sandbox shows: the invocation fails naming the link, and nothing of the target reaches the function.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import archiver from "archiver";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { sdkInvoke } from "../emulator/invoke-helpers";

function zipWithLink(link: string, target: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const a = archiver("zip");
    const chunks: Buffer[] = [];
    a.on("data", (c: Buffer) => chunks.push(c));
    a.on("end", () => resolve(Buffer.concat(chunks)));
    a.on("error", reject);
    a.append("const fs = require('fs'); exports.handler = async () => fs.readFileSync(__dirname + '/" + link + "', 'utf8');", { name: "index.js", mode: 0o644 });
    a.symlink(link, target, 0o777);
    void a.finalize();
  });
}

describe("a code zip with a symbolic link", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
  });
  after(() => emu.close());

  for (const [name, target] of [["shadow", "/etc/shadow"], ["datadir", "/root"]] as const) {
    it(`a link to ${target} is refused at unpack, and the function never reads through it`, async () => {
      await emu.seedFunction({ func_name: name, code: await zipWithLink("leak", target) } as never);
      const failed = await sdkInvoke(emu, name, {}).then((out) => assert.fail(`the call answered: ${out.result}`), (e: unknown) => e);
      assert.match(String((failed as { errorMsg?: string }).errorMsg ?? (failed as Error).message), /symbolic link: 'leak'/);
    });
  }
});
