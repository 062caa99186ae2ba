/**
 * An HTTP function's relay socket lives in its writable /tmp, which is a host directory: the function can replace
 * it with a symbolic link (or plant one before the relay starts) to a Unix socket of the host it cannot reach
 * itself. The emulator (root) must never follow it: requests keep reaching the instance's own relay, or the
 * instance fails — never the host socket.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { deploy, sdkInvoke } from "../emulator/invoke-helpers";

// Serves 127.0.0.1:8000; on `/swap` replaces the relay's socket with a link to TARGET, on `/plant` (at start,
// when PLANT is set) puts the link there before the relay can create its socket.
const SERVER = `const http = require("node:http"), fs = require("node:fs");
const sock = "/tmp/.fgs-http.sock";
const swap = () => { try { fs.unlinkSync(sock); } catch {} fs.symlinkSync(process.env.TARGET, sock); };
if (process.env.PLANT) swap();
http.createServer((req, res) => {
  if (req.url.startsWith("/swap")) swap();
  res.end("from-function");
}).listen(8000, "127.0.0.1");`;

const BOOTSTRAP = { data: "#!/bin/sh\nexec node \"$RUNTIME_CODE_ROOT/server.js\"\n", mode: 0o755 };

const event = (p: string) => ({ httpMethod: "GET", path: p, headers: {}, queryStringParameters: {}, body: "", isBase64Encoded: false, requestContext: {} });
const bodyOf = (out: { result: string }): string => {
  try {
    const a = JSON.parse(out.result) as { body?: string };
    return a.body ? Buffer.from(a.body, "base64").toString() : out.result;
  } catch {
    return out.result;
  }
};

describe("an HTTP function cannot point the emulator at a host socket through its relay socket", () => {
  let emu: EmulatorHandle;
  let hostDir: string;
  let hostServer: http.Server;
  let hits = 0;
  before(async () => {
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-host-sock-")); // 0700: out of the function's reach
    const target = path.join(hostDir, "host.sock");
    hostServer = http.createServer((_q, r) => {
      hits++;
      r.end("HOST-SOCKET");
    });
    await new Promise<void>((r) => hostServer.listen(target, r));
    emu = await startEmulator({ quiet: true });
    for (const [name, plant] of [["swapper", ""], ["planter", "1"]]) {
      await deploy(emu, name, { bootstrap: BOOTSTRAP, "server.js": SERVER },
        { runtime: "http", handler: "bootstrap.handler", timeout: 10, user_data: { TARGET: target, PLANT: plant } });
    }
  });
  after(async () => {
    await emu.close();
    hostServer.close();
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  it("a socket swapped after start: later requests still reach the function, never the host socket", async () => {
    const first = await sdkInvoke(emu, "swapper", event("/swap"));
    assert.equal(bodyOf(first), "from-function", first.result);
    for (let i = 0; i < 2; i++) {
      const next = await sdkInvoke(emu, "swapper", event("/after"));
      assert.doesNotMatch(next.result + bodyOf(next), /HOST-SOCKET/);
      assert.equal(bodyOf(next), "from-function", "the relay the instance started with still answers");
    }
    assert.equal(hits, 0, "the emulator connected to the host socket");
  });

  it("a link planted before the relay listens: the instance does not start on it", async () => {
    const out = await sdkInvoke(emu, "planter", event("/x"));
    assert.doesNotMatch(out.result + bodyOf(out), /HOST-SOCKET/);
    assert.equal(hits, 0, "the emulator connected to the host socket");
  });
});
