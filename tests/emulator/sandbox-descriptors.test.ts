/**
 * Descriptors: each sandboxed process may hold `FILES_PER_INSTANCE` open (emulator/runtime/launch.ts), so a
 * function opening connections to the emulator gets EMFILE and the emulator keeps answering; and connections
 * that never send a request are closed (emulator/http/idle-connections.ts).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as net from "node:net";
import { closeIdleConnections } from "../../emulator/http/idle-connections";
import { FILES_PER_INSTANCE } from "../../emulator/runtime/launch";
import { findExecutable } from "../../emulator/runtime/sandbox";
import { sdkClient, fg } from "./helpers";
import { deploy, emulatorForSuite, sdkInvoke } from "./invoke-helpers";

const skip = !findExecutable("bwrap") ? "needs bwrap (.ci/run installs it)" : false;

/** Opens `count` connections to 127.0.0.1:`port`, holds them, and reports how many opened and the errors seen. */
const NODE_FLOOD = `
const net = require("node:net");
exports.handler = async (event) => {
  const sockets = [];
  const errors = {};
  await Promise.all(Array.from({ length: event.count }, () => new Promise((resolve) => {
    const s = net.connect(event.port, "127.0.0.1", () => { sockets.push(s); resolve(); });
    s.on("error", (e) => { errors[e.code] = (errors[e.code] || 0) + 1; resolve(); });
  })));
  const opened = sockets.length;
  for (const s of sockets) s.destroy();
  return { opened, errors };
};
`;

const PYTHON_FILES = `
import errno
def handler(event, context):
    files = []
    try:
        for _ in range(event['count']):
            files.append(open('/dev/null'))
    except OSError as e:
        return {'opened': len(files), 'errno': e.errno == errno.EMFILE}
    finally:
        for f in files: f.close()
    return {'opened': len(files), 'errno': False}
`;

describe("descriptors: a function cannot use up the emulator's", { skip }, () => {
  const emu = emulatorForSuite();

  it("Node.js: connections to the emulator past the limit fail with EMFILE; the emulator keeps answering", async () => {
    await deploy(emu(), "flood", { "index.js": NODE_FLOOD }, { timeout: 60 });
    const port = Number(new URL(emu().url).port);
    const out = (await sdkInvoke(emu(), "flood", { count: FILES_PER_INSTANCE + 200, port })).parsed();
    assert.ok(out.opened < FILES_PER_INSTANCE, `opened ${out.opened}`);
    assert.ok(out.errors.EMFILE > 0, JSON.stringify(out.errors));
    const list = await sdkClient(emu()).listFunctions(new fg.ListFunctionsRequest());
    assert.equal(list.httpStatusCode, 200);
    assert.equal(list.count, 1);
    // And the function itself runs again.
    assert.equal((await sdkInvoke(emu(), "flood", { count: 10, port })).parsed().opened, 10);
  });

  it("Python: files past the limit fail with EMFILE", async () => {
    await deploy(emu(), "pyfiles", { "index.py": PYTHON_FILES }, { runtime: "Python3.10" });
    const out = (await sdkInvoke(emu(), "pyfiles", { count: FILES_PER_INSTANCE + 100 })).parsed();
    assert.equal(out.errno, true);
    assert.ok(out.opened < FILES_PER_INSTANCE);
  });
});

describe("idle connections", () => {
  it("a connection that sends no request is closed; one that does is served", async () => {
    const server = createServer((_req, res) => res.end("served"));
    closeIdleConnections(server, 300);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const t0 = Date.now();
      const idle = net.connect(port, "127.0.0.1");
      const closed = new Promise<number>((r) => idle.on("close", () => r(Date.now() - t0)));
      const busy = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
      assert.equal(busy, "served");
      const after = await closed;
      assert.ok(after >= 250 && after < 5000, `closed after ${after} ms`);
    } finally {
      server.close();
    }
  });
});
