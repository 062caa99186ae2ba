/**
 * Function code shares the host's network: as root, the emulator's own servers (FunctionGraph API and admin,
 * OBS) refuse connections from a sandboxed function's user (emulator/http/sandbox-peer-guard.ts) while the API
 * gateway still answers it and the SDK (this process) is served; every server also holds `[::1]` at its port, so
 * no function can squat there (emulator/http/loopback-listen.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { createServer } from "node:http";
import { findExecutable } from "../../emulator/runtime/sandbox";
import { loopbackPeerUid } from "../../emulator/runtime/process-tools";
import { listenOnLoopback } from "../../emulator/http/loopback-listen";
import { apigTrigger, deploy, emulatorForSuite, sdkInvoke } from "./invoke-helpers";

const root = process.geteuid?.() === 0;
const skip = !findExecutable("bwrap") ? "needs bwrap (.ci/run installs it)" : !root ? "function uids are host uids only when the emulator is root" : false;
const hasIpv6Loopback = async (): Promise<boolean> => {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(false));
    s.listen(0, "::1", () => s.close(() => resolve(true)));
  });
};

/** A function that fetches each URL of its event and says what happened (status, or the error's code). */
const PROBE = `
const http = require("node:http");
const get = (url) => new Promise((resolve) => {
  const req = http.get(url, { agent: false, timeout: 5000 }, (res) => { res.resume(); resolve(res.statusCode); });
  req.on("error", (e) => resolve(e.code || e.message));
  req.on("timeout", () => req.destroy(new Error("timeout")));
});
exports.handler = async (event) => {
  const out = {};
  for (const [k, url] of Object.entries(event.urls)) out[k] = await get(url);
  return out;
};
`;

describe("sandboxed functions cannot reach the emulator's own servers", { skip }, () => {
  const emu = emulatorForSuite();

  it("API, admin and OBS reset the function's connection (IPv4 and ::1); APIG answers; the SDK is served", async () => {
    await deploy(emu(), "prober", { "index.js": PROBE }, { timeout: 30 });
    await deploy(emu(), "target", { "index.js": "exports.handler = async () => ({ statusCode: 200, body: 'pub' });" });
    const { url: apig } = await apigTrigger(emu(), "target", { path: "/pub" });
    const v6 = (u: string) => u.replace("127.0.0.1", "[::1]");
    const urls: Record<string, string> = {
      api: `${emu().url}/v2/${emu().projectId}/fgs/functions`, admin: `${emu().url}/__admin/`, obs: `${emu().obs.url}/`, apig,
    };
    if (await hasIpv6Loopback()) Object.assign(urls, { api6: v6(urls.api), obs6: v6(urls.obs) });
    const out = (await sdkInvoke(emu(), "prober", { urls })).parsed();
    for (const k of Object.keys(urls).filter((n) => n !== "apig")) {
      assert.ok(typeof out[k] === "string" && /ECONNRESET|socket hang up/.test(out[k]), `${k}: refused, got ${out[k]}`);
    }
    assert.equal(out.apig, 200, "the public invoke URL answers the function");
    // This process (the SDK's user) is still served, by the same servers: OBS and admin answer (unsigned: refused).
    assert.equal((await fetch(`${emu().obs.url}/`)).status, 403);
    assert.equal((await fetch(urls.admin)).status, 403, "the admin surface answers (no token: 403)");
    assert.equal((await fetch(urls.admin, { headers: { "x-fgs-admin": emu().adminToken } })).status, 200);
  });
});

describe("loopback on both addresses", () => {
  it("a server on 127.0.0.1 also answers on [::1] at the same port, and closes both", async (t) => {
    if (!(await hasIpv6Loopback())) return t.skip("no IPv6 loopback here");
    const server = createServer((_req, res) => res.end("ok"));
    const port = await listenOnLoopback(server, 0, "127.0.0.1", "test", (m) => assert.fail(m));
    assert.equal(await (await fetch(`http://[::1]:${port}/`)).text(), "ok");
    await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => { again.once("error", reject); again.listen(port, "::1", resolve); });
    again.close();
  });

  it("warns when another process already holds [::1] at the port", async (t) => {
    if (!(await hasIpv6Loopback())) return t.skip("no IPv6 loopback here");
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, "::1", r));
    const port = (squatter.address() as net.AddressInfo).port;
    const warnings: string[] = [];
    const server = createServer((_req, res) => res.end("ok"));
    try {
      assert.equal(await listenOnLoopback(server, port, "127.0.0.1", "the test server", (m) => warnings.push(m)), port);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], new RegExp(`the test server: \\[::1\\]:${port} is held by another process`));
    } finally {
      squatter.close();
      server.close();
    }
  });

  it("loopbackPeerUid finds the owner of a connection over ::1", async (t) => {
    if (!(await hasIpv6Loopback())) return t.skip("no IPv6 loopback here");
    const found = new Promise<number | undefined>((resolve) => {
      const server = net.createServer((s) => {
        resolve(loopbackPeerUid({ address: s.remoteAddress!, port: s.remotePort! }, { address: s.localAddress!, port: s.localPort! }));
        s.destroy();
        server.close();
      }).listen(0, "::1", () => net.connect((server.address() as net.AddressInfo).port, "::1").on("error", () => {}));
    });
    assert.equal(await found, process.geteuid!());
  });
});
