/**
 * The data dir is the emulator's user's alone (emulator/store/owned-files.ts): a dir of another user, one its
 * group or others may write, and any file in it that is a symbolic link or another user's are refused with
 * FGS_DATA_DIR_UNSAFE naming the path, the owner and the fix — before anything is read, chmod-ed or written, so a
 * link's target stays untouched. A symlinked data dir whose target is the user's own is used (through its target).
 */
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DataDirUnsafeError, startEmulator } from "../../emulator";
import { DataDir, writeAtomic } from "../../emulator/store/persistence";
import { listenAtHome } from "../../emulator/store/home-port";
import { dataDirKey } from "../../emulator/store/sealed-values";

const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-owner-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A file outside the data dir a link points at: its content and mode must survive every refusal. */
function victim(t: TestContext, text = "precious\n"): { file: string; unchanged(): void } {
  const file = path.join(tempDir(t), "victim.txt");
  fs.writeFileSync(file, text, { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  return {
    file,
    unchanged: () => {
      assert.equal(fs.readFileSync(file, "utf8"), text);
      assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    },
  };
}

async function refused(p: Promise<unknown>, what: RegExp): Promise<DataDirUnsafeError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof DataDirUnsafeError, `expected DataDirUnsafeError, got ${String(err)}`);
  assert.equal(err.code, "FGS_DATA_DIR_UNSAFE");
  assert.match(err.message, /^emulator: refusing the data dir '/);
  assert.match(err.message, what);
  return err;
}

describe("a data dir of another user is refused", () => {
  it("a dir owned by uid 65534: refused naming it, its owner and chown; nothing in it is made", { skip: !isRoot && "needs root (chown)" }, async (t) => {
    const dir = tempDir(t);
    fs.chownSync(dir, NOBODY, NOBODY);
    const err = await refused(startEmulator({ quiet: true, dataDir: dir }), /is owned by uid 65534, not by the emulator's user \(uid 0\).*chown -R 0/);
    assert.equal(err.path, fs.realpathSync(dir));
    await refused(new DataDir(dir).load(), /owned by uid 65534/);
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700, "its mode is left as it was (mkdtemp's 0700)");
  });

  it("a dir its group or others may write: refused with chmod go-w", async (t) => {
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o777);
    await refused(startEmulator({ quiet: true, dataDir: dir }), /writable by its group or by others \(mode 777\).*chmod go-w/);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o777);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("a foreign secret.key is refused (its owner would know the sealing key)", { skip: !isRoot && "needs root (chown)" }, async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, "secret.key"), Buffer.alloc(32, 7), { mode: 0o600 });
    fs.chownSync(path.join(dir, "secret.key"), NOBODY, NOBODY);
    await refused(startEmulator({ quiet: true, dataDir: dir }), /secret\.key is owned by uid 65534/);
    await refused(dataDirKey(dir), /secret\.key is owned by uid 65534/);
    assert.ok(!fs.existsSync(path.join(dir, "state.json")));
  });
});

describe("links in the data dir are refused, their targets untouched", () => {
  it("state.json linked to another file: not chmod-ed, not read, not replaced", async (t) => {
    const dir = tempDir(t);
    const v = victim(t);
    fs.symlinkSync(v.file, path.join(dir, "state.json"));
    await refused(startEmulator({ quiet: true, dataDir: dir }), /state\.json is a symbolic link \(to .*victim\.txt\).*rm '/);
    await refused(new DataDir(dir).readFunctions(), /state\.json is a symbolic link/);
    v.unchanged();
    assert.ok(fs.lstatSync(path.join(dir, "state.json")).isSymbolicLink());
  });

  for (const name of ["api.json", "emulator.lock", "secret.key", "dependencies.json", "invocations.jsonl", "blobs"]) {
    it(`${name} linked to another file: refused, the target untouched`, async (t) => {
      const v = victim(t);
      const dir = tempDir(t);
      fs.symlinkSync(v.file, path.join(dir, name));
      await refused(startEmulator({ quiet: true, dataDir: dir }), new RegExp(`${name.replace(".", "\\.")} is a symbolic link`));
      v.unchanged();
    });
  }

  it("apig.json linked to a file that does not exist: refused, the file not created", async (t) => {
    const dangling = path.join(tempDir(t), "created-by-root.json");
    const dir2 = tempDir(t);
    fs.symlinkSync(dangling, path.join(dir2, "apig.json"));
    await refused(startEmulator({ quiet: true, dataDir: dir2 }), /apig\.json is a symbolic link/);
    assert.ok(!fs.existsSync(dangling));
  });

  it("the kept-port file read or written directly: a link is refused, a write replaces the link, never its target", async (t) => {
    const v = victim(t);
    const dir = tempDir(t);
    fs.symlinkSync(v.file, path.join(dir, "api.json"));
    const spec = { name: "api", dataDir: dir, what: "the API", option: "--port", warn: () => {} };
    await refused(listenAtHome(spec, async () => 1234), /api\.json is a symbolic link/);
    await refused(listenAtHome({ ...spec, explicit: 0 }, async () => 1234), /api\.json is a symbolic link/);
    v.unchanged();
    // Every file is written through a temp file renamed over the name: a link there is replaced, never followed.
    await writeAtomic(path.join(dir, "api.json"), "{}\n");
    assert.ok(fs.lstatSync(path.join(dir, "api.json")).isFile());
    assert.equal(fs.statSync(path.join(dir, "api.json")).mode & 0o777, 0o600);
    v.unchanged();
  });
});

describe("a data dir that is the user's own", () => {
  it("a symlink to a dir of the user's: used through its target, which the emulator's files land in", async (t) => {
    const target = tempDir(t);
    const link = path.join(tempDir(t), "data");
    fs.symlinkSync(target, link);
    const emu = await startEmulator({ quiet: true, dataDir: link });
    try {
      assert.equal(emu.dataDir, link);
      await emu.seedFunction({ func_name: "kept" });
    } finally {
      await emu.close();
    }
    for (const f of ["state.json", "secret.key", "api.json"]) assert.ok(fs.lstatSync(path.join(target, f)).isFile(), f);
    const again = await startEmulator({ quiet: true, dataDir: link });
    try {
      assert.deepEqual(again.functions().map((f) => f.func_name), ["kept"]);
    } finally {
      await again.close();
    }
  });

  it("a 0755 dir and a 0644 state.json of the user's (an older emulator's) are tightened to 0700 / 0600", async (t) => {
    const dir = tempDir(t);
    const first = await startEmulator({ quiet: true, dataDir: dir });
    await first.seedFunction({ func_name: "old" });
    await first.close();
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, "state.json"), 0o644);
    fs.chmodSync(path.join(dir, "secret.key"), 0o644);
    const again = await startEmulator({ quiet: true, dataDir: dir });
    await again.close();
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, "state.json")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dir, "secret.key")).mode & 0o777, 0o600);
  });
});
