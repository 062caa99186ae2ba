/**
 * The ports a data dir keeps (emulator/store/home-port.ts): an emulator restarted on a data dir without a port
 * listens where it did before (API, OBS, OBS over HTTPS), so a stack's recorded endpoint stays valid; a kept
 * port that is taken is replaced for that run only, with a warning naming it; an explicit port is kept.
 */
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DataDirError, startEmulator } from "../../emulator";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-ports-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const portOf = (url: string) => Number(new URL(url).port);

async function occupy(port: number): Promise<Server> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
  return s;
}

async function freePort(): Promise<number> {
  const s = await occupy(0);
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Runs `fn` with the emulator's warnings (stderr) captured (the mock ends with the call). */
async function withStderr<T>(t: TestContext, fn: () => Promise<T>): Promise<{ result: T; text: string }> {
  let text = "";
  const mock = t.mock.method(process.stderr, "write", (chunk: string | Uint8Array) => (text += String(chunk), true));
  try {
    return { result: await fn(), text };
  } finally {
    mock.mock.restore();
  }
}

describe("ports kept in the data dir", () => {
  it("a restart without ports listens on the same API, OBS and OBS HTTPS ports", async (t) => {
    const dataDir = tempDir(t);
    const first = await startEmulator({ quiet: true, dataDir });
    const before = { api: first.url, obs: first.obs.url, https: first.obs.httpsUrl, apig: first.apigUrl };
    await first.close();
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dataDir, "api.json"), "utf8")), { format: "fgs-emulator-api/1", port: portOf(before.api) });
    assert.equal((fs.statSync(path.join(dataDir, "api.json")).mode & 0o777), 0o600);
    for (const name of ["obs", "obs-https", "apig"]) assert.ok(fs.existsSync(path.join(dataDir, `${name}.json`)), `${name}.json`);

    const second = await startEmulator({ quiet: true, dataDir });
    try {
      assert.deepEqual({ api: second.url, obs: second.obs.url, https: second.obs.httpsUrl, apig: second.apigUrl }, before);
    } finally {
      await second.close();
    }
  });

  it("a kept API port that is taken: another one for this run, with a warning; the kept one comes back once free", async (t) => {
    const dataDir = tempDir(t);
    const first = await startEmulator({ quiet: true, dataDir });
    const home = portOf(first.url);
    await first.close();
    const squatter = await occupy(home);
    try {
      const { result: emu, text } = await withStderr(t, () => startEmulator({ quiet: true, dataDir }));
      try {
        assert.notEqual(portOf(emu.url), home);
        assert.match(text, new RegExp(`the FunctionGraph API: port ${home} \\(kept in ${path.join(dataDir, "api.json").replace(/[.]/g, "\\.")}\\) is in use: serving on port ${portOf(emu.url)} for this run only`));
        assert.match(text, /--port/);
      } finally {
        await emu.close();
      }
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, "api.json"), "utf8")).port, home, "a fallback is never kept");
    const back = await startEmulator({ quiet: true, dataDir });
    try {
      assert.equal(portOf(back.url), home);
    } finally {
      await back.close();
    }
  });

  it("an explicit port is used and kept; a malformed api.json is a DataDirError naming it", async (t) => {
    const dataDir = tempDir(t);
    const chosen = await freePort();
    const first = await startEmulator({ quiet: true, dataDir, port: chosen });
    assert.equal(portOf(first.url), chosen);
    await first.close();
    const again = await startEmulator({ quiet: true, dataDir });
    try {
      assert.equal(portOf(again.url), chosen, "the port it had last time");
    } finally {
      await again.close();
    }
    fs.writeFileSync(path.join(dataDir, "api.json"), '{"port":"x"}');
    await assert.rejects(startEmulator({ quiet: true, dataDir }), (e: Error) =>
      e instanceof DataDirError && /api\.json is not a kept port/.test(e.message));
    assert.ok(!fs.existsSync(path.join(dataDir, "emulator.lock")), "a failed start releases the data dir");
  });
});
