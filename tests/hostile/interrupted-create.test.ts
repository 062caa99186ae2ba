/**
 * A create that died between its two steps (placeholder imported, code not yet uploaded) is finished by the
 * next run with nothing changed — and a function it did not make (someone else's, or a placeholder for other
 * code) is never taken over without `adopt`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { PLACEHOLDER_FILE } from "../../provider/resource/resume-create";
import { checkedInputs, configureFor, writeTree } from "../resource/helpers";
import { readZip } from "../package/helpers";

const MIB = 1024 * 1024;

describe("interrupted create over the import limit", { timeout: 120_000 }, () => {
  let work: string;
  let dataDir: string;
  let emu: EmulatorHandle | undefined;
  before(() => {
    process.env.FGS_QUIET = "1";
    process.env.HW_RETRY_BASE_DELAY_MS = "20";
    work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-resume-"));
  });
  after(async () => {
    await emu?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A source whose zip is over the 10 MB import limit (incompressible). */
  function bigSource(name: string, seed: string): string {
    return writeTree(work, name, { "index.js": `exports.handler = async () => '${seed}';\n`, "blob.bin": crypto.randomBytes(11 * MIB) });
  }

  /** The first run: the import of the placeholder lands, then the run dies (here: the code upload is refused and its report is lost). */
  async function firstRunDiesAfterImport(args: Record<string, unknown>): Promise<void> {
    emu = await startEmulator({ dataDir, limits: { codeUploadBytes: MIB } });
    await configureFor(emu);
    const inputs = await checkedInputs({}, args);
    await assert.rejects(lifecycle.create(inputs), /was created but not finished/);
    const [fn] = emu.functions();
    assert.ok(fn, "the placeholder import landed");
    assert.deepEqual((await readZip(emu.code(fn.func_urn)!)).map((e) => e.name), [PLACEHOLDER_FILE]);
    await emu.close(); // the run's record of it is lost with the provider
    emu = await startEmulator({ dataDir }); // a later run, with the service's normal limits
    await configureFor(emu);
  }

  it("the next run finishes its own half-finished function instead of failing with FSS.1061", async () => {
    dataDir = fs.mkdtempSync(path.join(work, "data-"));
    const args = { sourceDir: bigSource("own", "mine"), runtime: "Node.js18.15", handler: "index.handler", funcName: "resumed", memorySize: 256 };
    await firstRunDiesAfterImport(args);
    emu!.clearLog();
    const inputs = await checkedInputs({}, args);
    const res = await lifecycle.create(inputs);
    const outs = res.outs as Record<string, unknown>;
    assert.equal(outs.digest, outs.zipSha512, "the function now holds the real code");
    assert.equal(outs.memorySize, 256);
    assert.deepEqual(emu!.requests({ writesOnly: true }).map((r) => [r.operation, r.status]), [["import", 409], ["updateCode", 200]]);
    assert.equal(emu!.functions().length, 1);
    await emu!.close();
    emu = undefined;
  });

  it("someone else's function of the same name is not taken over (FSS.1061 with the adopt hint), and is left untouched", async () => {
    emu = await startEmulator();
    await configureFor(emu);
    const theirs = await emu.seedFunction({ func_name: "taken" });
    const inputs = await checkedInputs({}, { sourceDir: bigSource("theirs", "x"), runtime: "Node.js18.15", handler: "index.handler", funcName: "taken" });
    await assert.rejects(lifecycle.create(inputs), /FSS\.1061.*adopt: true/s);
    assert.equal(emu.functions()[0].digest, theirs.digest);
    assert.deepEqual(emu.requests({ writesOnly: true }).map((r) => r.operation), ["import"]);
    await emu.close();
    emu = undefined;
  });

  it("a placeholder left for OTHER code (the source changed since) is not taken over either", async () => {
    dataDir = fs.mkdtempSync(path.join(work, "data-"));
    const dir = bigSource("changed", "v1");
    const args = { sourceDir: dir, runtime: "Node.js18.15", handler: "index.handler", funcName: "changed" };
    await firstRunDiesAfterImport(args);
    const before = emu!.functions()[0].digest;
    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 'v2';\n");
    const inputs = await checkedInputs({}, args);
    await assert.rejects(lifecycle.create(inputs), /FSS\.1061.*adopt: true/s);
    assert.equal(emu!.functions()[0].digest, before);
    // With adopt the user takes it over knowingly.
    const adopted = await lifecycle.create(await checkedInputs({}, { ...args, adopt: true }));
    assert.equal((adopted.outs as Record<string, unknown>).digest, (adopted.outs as Record<string, unknown>).zipSha512);
  });
});
