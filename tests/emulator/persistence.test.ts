import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DataDirError, startEmulator } from "../../emulator";
import { codeZip, importPackage, signedRequest, zip as zipOf } from "./helpers";

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "fgs-emu-"));
}

async function populated(dir: string) {
  const emu = await startEmulator({ dataDir: dir });
  const pkg = await importPackage("keep");
  const imp = await signedRequest(emu, "POST", "/import", { body: { func_name: "keep", file_name: "keep.zip", file_type: "zip", file_code: pkg.toString("base64") } });
  assert.equal(imp.status, 200);
  const urn = String(imp.json().func_urn);
  assert.equal((await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: "v1" } })).status, 200);
  const z = await codeZip("second");
  assert.equal((await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: z.toString("base64") } } })).status, 200);
  const snapshot = emu.functions();
  await emu.close();
  return { urn, snapshot, z };
}

describe("persistence in dataDir", () => {
  it("functions, versions and code blobs survive a restart; blobs are content-addressed; no temp files remain", async () => {
    const dir = tempDir();
    try {
      const { urn, snapshot, z } = await populated(dir);
      const blobs = readdirSync(path.join(dir, "blobs")).sort();
      assert.equal(blobs.length, 2, "head code + v1 code");
      assert.ok(blobs.includes(`${snapshot[0].digest}.zip`));
      assert.ok(!readdirSync(dir).some((f) => f.endsWith(".tmp")));

      const emu = await startEmulator({ dataDir: dir });
      try {
        assert.deepEqual(emu.functions(), snapshot);
        assert.deepEqual(emu.code(urn), z);
        assert.equal((await signedRequest(emu, "GET", `/${urn}:v1/config`)).json().version, "v1");
        assert.equal((await signedRequest(emu, "DELETE", `/${urn}`)).status, 204);
      } finally {
        await emu.close();
      }
      assert.deepEqual(readdirSync(path.join(dir, "blobs")), [], "unreferenced blobs are removed");
      const again = await startEmulator({ dataDir: dir });
      assert.deepEqual(again.functions(), []);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a corrupt data dir is reported on start and left untouched", async () => {
    const dir = tempDir();
    try {
      const { snapshot } = await populated(dir);
      const stateFile = path.join(dir, "state.json");
      const good = readFileSync(stateFile, "utf8");

      writeFileSync(stateFile, "{ not json");
      await assert.rejects(startEmulator({ dataDir: dir }), (e: Error) => e instanceof DataDirError && /not valid JSON/.test(e.message) && e.message.includes(dir));
      assert.equal(readFileSync(stateFile, "utf8"), "{ not json", "not reset");

      writeFileSync(stateFile, JSON.stringify({ functions: [] }));
      await assert.rejects(startEmulator({ dataDir: dir }), /not an emulator state/);

      writeFileSync(stateFile, good);
      const blob = path.join(dir, "blobs", `${snapshot[0].digest}.zip`);
      const bytes = readFileSync(blob);
      writeFileSync(blob, Buffer.concat([bytes, Buffer.from("x")]));
      await assert.rejects(startEmulator({ dataDir: dir }), /does not match its digest/);
      rmSync(blob);
      await assert.rejects(startEmulator({ dataDir: dir }), /missing/);

      writeFileSync(blob, bytes);
      const ok = await startEmulator({ dataDir: dir });
      assert.equal(ok.functions().length, 1, "restored files load again");
      await ok.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the data dir is 0700, its files 0600, and encrypted variables are sealed (never in clear text) yet survive a restart", async () => {
    const dir = tempDir();
    try {
      const secret = `s3cret-${Date.now()}`;
      const emu = await startEmulator({ dataDir: dir });
      await emu.seedFunction({ func_name: "vault" });
      const put = await signedRequest(emu, "PUT", "/vault/config", { body: { func_name: "vault", runtime: "Node.js18.15", timeout: 5,
        handler: "index.handler", memory_size: 128, encrypted_user_data: JSON.stringify({ DB_PASSWORD: secret }) } });
      assert.equal(put.status, 200);
      await emu.close();
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      const files = ["state.json", "secret.key", ...readdirSync(path.join(dir, "blobs")).map((f) => path.join("blobs", f))];
      for (const f of files) assert.equal(statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
      const state = readFileSync(path.join(dir, "state.json"), "utf8");
      assert.ok(!state.includes(secret), "the secret is not in state.json");
      assert.match(state, /"encrypted_user_data": "fgs-sealed:v1:/);
      const again = await startEmulator({ dataDir: dir });
      try {
        const rec = (again as unknown as { functions(): Array<Record<string, unknown>> }).functions();
        assert.equal(rec.length, 1);
        // The sealed value opens again: the function still sees it (the runtime reads the stored config).
        await again.modifyCode("default:vault", await zipOf({ "index.js": "exports.handler = async () => process.env.DB_PASSWORD;" }));
        const r = await signedRequest(again, "POST", "/vault/invocations", { body: {} });
        assert.equal(r.json(), secret);
      } finally {
        await again.close();
      }
      // Another data dir's key does not open it: a clear error, nothing changed.
      writeFileSync(path.join(dir, "secret.key"), Buffer.alloc(32, 7));
      await assert.rejects(startEmulator({ dataDir: dir }), (e: Error) => e instanceof DataDirError && /does not open with secret\.key/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
