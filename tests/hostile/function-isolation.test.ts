/**
 * Function code attacking the emulator, other functions and the machine (issue 26), in Node.js and Python.
 * A victim function with an encrypted variable runs beside an attacker that tries to: read the victim's and the
 * emulator's environment from /proc, read the victim's unpacked code and write into its instance dirs, write into
 * the data dir and root's home, run as root or as the victim's user, and call the admin API on loopback to list
 * functions and replace the victim's code. Then detached children (`spawn({detached})`, Python fork + setsid)
 * must die with the call's timeout and with the emulator's stop, and the stopped emulator must exit.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { deploy, eventually, markedProcessExists, sdkInvoke, uniqueMarker, urnOf } from "../emulator/invoke-helpers";
import { rawRequest, zip } from "../emulator/helpers";
import { startChildEmulator } from "./child-emulator";

/** What every attacker reports: each probe's outcome (an error code, or what it got). */
interface Report {
  uid: number;
  /** Processes visible in /proc. */
  pids: number;
  /** The victim's secret found in some /proc/<pid>/environ. */
  secretSeen: boolean;
  /** Reading the emulator's environ, the victim's code dir, the work dir; writing to the data dir, root's home, the victim's tmp. */
  emulatorEnviron: string;
  workDir: string;
  dataDirWrite: string;
  rootHomeWrite: string;
  /** The status, or the error's code/name when the connection failed. */
  adminList: number | string;
  adminReplace: number | string;
}

const NODE_ATTACKER = `
const fs = require("fs"), http = require("http");
const code = (f) => { try { const v = f(); return v === undefined ? "ok" : v; } catch (e) { return e.code || e.name; } };
const req = (method, url, body) => new Promise((resolve) => {
  const r = http.request(url, { method, headers: { "X-Fgs-Admin": "1", "Content-Type": "application/json" } }, (res) => { res.resume(); resolve(res.statusCode); });
  r.on("error", (e) => resolve(e.code)); r.end(body);
});
exports.handler = async (e) => {
  const pids = fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n));
  const secretSeen = pids.some((p) => { try { return fs.readFileSync("/proc/" + p + "/environ", "latin1").includes(e.secret); } catch { return false; } });
  return {
    uid: process.getuid(), pids: pids.length, secretSeen,
    emulatorEnviron: code(() => { fs.readFileSync("/proc/" + e.emulatorPid + "/environ"); }),
    workDir: code(() => { fs.readdirSync(e.workDir); }),
    dataDirWrite: code(() => fs.writeFileSync(e.dataDir + "/pwned", "x")),
    rootHomeWrite: code(() => fs.writeFileSync("/root/pwned-" + e.mark, "x")),
    adminList: await req("GET", e.url + "/__admin/functions"),
    adminReplace: await req("PUT", e.url + "/__admin/functions/" + e.victim + "/code", JSON.stringify({ file: e.evilZip })),
  };
};`;

const PYTHON_ATTACKER = `
import os, json, urllib.request, urllib.error

def _code(f):
    try:
        v = f()
        return "ok" if v is None else v
    except OSError as e:
        import errno
        return errno.errorcode.get(e.errno, type(e).__name__)

def _req(method, url, body=None):
    r = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                               headers={"X-Fgs-Admin": "1", "Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(r, timeout=5).status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception as e:
        return type(e).__name__

def _seen(pid, secret):
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            return secret.encode() in f.read()
    except OSError:
        return False

def _write(p):
    with open(p, "w") as f:
        f.write("x")

def handler(e, context):
    pids = [n for n in os.listdir("/proc") if n.isdigit()]
    return {
        "uid": os.getuid(), "pids": len(pids), "secretSeen": any(_seen(p, e["secret"]) for p in pids),
        "emulatorEnviron": _code(lambda: open("/proc/%d/environ" % e["emulatorPid"], "rb").read() and None),
        "workDir": _code(lambda: os.listdir(e["workDir"]) and None),
        "dataDirWrite": _code(lambda: _write(e["dataDir"] + "/pwned")),
        "rootHomeWrite": _code(lambda: _write("/root/pwned-" + e["mark"])),
        "adminList": _req("GET", e["url"] + "/__admin/functions"),
        "adminReplace": _req("PUT", e["url"] + "/__admin/functions/" + e["victim"] + "/code", json.dumps({"file": e["evilZip"]})),
    }
`;

describe("function code cannot reach other functions, the emulator or the machine (Node.js and Python)", () => {
  let emu: EmulatorHandle;
  let dataDir: string;
  let workDir: string;
  const secret = `victim-secret-${uniqueMarker()}`;
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-iso-data-"));
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-iso-work-"));
    emu = await startEmulator({ dataDir, runtime: { workDir } });
    await deploy(emu, "victim", { "index.js": "exports.handler = async () => ({ uid: process.getuid(), secret: process.env.SECRET });" });
    await emu.modifyConfig("default:victim", { encrypted_user_data: JSON.stringify({ SECRET: secret }) } as never);
    await deploy(emu, "node-attacker", { "index.js": NODE_ATTACKER }, { timeout: 20 });
    await deploy(emu, "py-attacker", { "index.py": PYTHON_ATTACKER }, { runtime: "Python3.10", timeout: 20 });
  });
  after(async () => {
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  for (const attacker of ["node-attacker", "py-attacker"]) {
    it(`${attacker}: no secret, no emulator environ, no work or data dir, no root, no admin API — the victim keeps its code`, async () => {
      const victim = (await sdkInvoke(emu, "victim")).parsed() as { uid: number; secret: string };
      assert.equal(victim.secret, secret, "the victim itself sees its encrypted variable (and its instance stays alive)");
      const evilZip = (await zip({ "index.js": "exports.handler = async () => 'pwned';" })).toString("base64");
      const mark = uniqueMarker();
      const r = await sdkInvoke(emu, attacker, { secret, emulatorPid: process.pid, workDir, dataDir, url: emu.url, victim: urnOf(emu, "victim"), evilZip, mark });
      assert.equal(r.status, 200, r.log);
      const out = r.parsed() as Report;
      assert.notEqual(out.uid, 0, "not root");
      assert.notEqual(out.uid, 65534, "not the shared nobody");
      assert.notEqual(out.uid, victim.uid, "not the victim's uid");
      assert.equal(out.secretSeen, false, "the victim's encrypted variable is in no visible environ");
      assert.ok(out.pids <= 4, `only its own processes are visible in /proc (saw ${out.pids})`);
      assert.equal(out.emulatorEnviron, "ENOENT");
      assert.equal(out.workDir, "ENOENT", "the emulator's work dir (everyone's code and tmp dirs) is not there");
      assert.equal(out.dataDirWrite, "ENOENT", "the data dir is not there");
      assert.match(out.rootHomeWrite, /^(ENOENT|EACCES|EROFS)$/);
      // As root the emulator tells its functions' connections apart and resets them before a byte is read
      // (http/sandbox-peer-guard.ts); otherwise the admin API refuses a request without this run's token.
      const refused = process.geteuid?.() === 0 ? /^(ECONNRESET|EPIPE|ConnectionResetError|BrokenPipeError|RemoteDisconnected)$/ : /^403$/;
      assert.match(String(out.adminList), refused, "the admin API is out of a function's reach");
      assert.match(String(out.adminReplace), refused);
      assert.ok(!fs.existsSync(path.join(dataDir, "pwned")));
      assert.ok(!fs.existsSync(`/root/pwned-${mark}`));
      assert.equal((await sdkInvoke(emu, "victim")).parsed().secret, secret, "the victim still runs its own code");
    });
  }

  it("a function cannot reach another Custom function's runtime API on loopback (to pull its events or answer for it)", async () => {
    const bootstrap = `#!/usr/bin/env node
const http = require("http");
const api = process.env.RUNTIME_API_ADDR;
const get = () => http.get("http://" + api + "/v1/runtime/invocation/request", (res) => {
  const id = res.headers["x-cff-request-id"]; let body = ""; res.on("data", (c) => (body += c));
  res.on("end", () => { const r = http.request("http://" + api + "/v1/runtime/invocation/response/" + id, { method: "POST" }, (x) => { x.resume(); x.on("end", get); }); r.end(JSON.stringify("custom ok")); });
});
get();
`;
    await deploy(emu, "custom-victim", { bootstrap: { data: bootstrap, mode: 0o755 } }, { runtime: "Custom", handler: "bootstrap.handler" });
    assert.equal((await sdkInvoke(emu, "custom-victim")).parsed(), "custom ok", "the victim's bootstrap is up and polling");
    await deploy(emu, "api-scanner", { "index.js": `
const fs = require("fs"), http = require("http");
exports.handler = async () => {
  const ports = new Set();
  for (const t of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try { for (const l of fs.readFileSync(t, "latin1").split("\\n").slice(1)) { const f = l.trim().split(/\\s+/); if (f[3] === "0A" && /^(0100007F|0000000000000000FFFF00000100007F):/.test(f[1])) ports.add(parseInt(f[1].split(":")[1], 16)); } } catch {}
  }
  const probe = (port) => new Promise((resolve) => {
    const r = http.get({ host: "127.0.0.1", port, path: "/v1/runtime/no-such-path", timeout: 1500 }, (res) => {
      let b = ""; res.on("data", (c) => (b += c)); res.on("end", () => resolve(b.includes("unknown runtime API path") ? port : null));
    });
    r.on("timeout", () => { r.destroy(); resolve(null); }); r.on("error", () => resolve(null));
  });
  const answered = (await Promise.all([...ports].map(probe))).filter((p) => p !== null);
  return { listening: ports.size, runtimeApis: answered };
};` }, { timeout: 30 });
    const out = (await sdkInvoke(emu, "api-scanner")).parsed() as { listening: number; runtimeApis: number[] };
    assert.ok(out.listening > 0, "the scanner saw the loopback listeners (the host's network)");
    assert.deepEqual(out.runtimeApis, [], "no Custom runtime API answered another function");
    assert.equal((await sdkInvoke(emu, "custom-victim")).parsed(), "custom ok");
  });

  it("a Python function runs as its own non-root user even though its interpreter lives under /root", async () => {
    const out = (await sdkInvoke(emu, "py-attacker", { secret: "x", emulatorPid: 1, workDir, dataDir, url: emu.url, victim: "v", evilZip: "", mark: uniqueMarker() })).parsed() as Report;
    const node = (await sdkInvoke(emu, "node-attacker", { secret: "x", emulatorPid: 1, workDir, dataDir, url: emu.url, victim: "v", evilZip: "", mark: uniqueMarker() })).parsed() as Report;
    assert.ok(out.uid > 0 && node.uid > 0 && out.uid !== node.uid, `two functions, two uids (${out.uid}, ${node.uid})`);
  });

  it("the data dir holds no encrypted value in clear text and is private", () => {
    const state = fs.readFileSync(path.join(dataDir, "state.json"), "utf8");
    assert.ok(!state.includes(secret));
    assert.equal(fs.statSync(dataDir).mode & 0o077, 0);
    assert.equal(fs.statSync(path.join(dataDir, "state.json")).mode & 0o077, 0);
    // Every file the emulator keeps there (blobs, the key, the invocation logs, the gateway's port) is private too.
    const entries = fs.readdirSync(dataDir, { recursive: true }).map((e) => String(e));
    for (const kept of ["secret.key", "invocations.jsonl", "apig.json"]) assert.ok(entries.includes(kept), `${kept} in ${entries.join(", ")}`);
    for (const e of entries) assert.equal(fs.statSync(path.join(dataDir, e)).mode & 0o077, 0, `${e} is private`);
  });
});

const NODE_DETACHER = `
const cp = require("child_process");
exports.handler = async (e) => {
  cp.spawn("sleep", ["300." + e.mark], { detached: true, stdio: "ignore" }).unref();
  if (e.hang) await new Promise(() => {});
  return "spawned";
};`;

const PYTHON_DETACHER = `
import os, time

def handler(e, context):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "300." + e["mark"]])
        os._exit(0)
    if e.get("hang"):
        time.sleep(600)
    return "spawned"
`;

describe("detached children die with the call's timeout and with the emulator", () => {
  for (const [runtime, files] of [["Node.js18.15", { "index.js": NODE_DETACHER }], ["Python3.10", { "index.py": PYTHON_DETACHER }]] as const) {
    it(`${runtime}: a detached child outlives neither the timeout nor the emulator's close`, async () => {
      const emu = await startEmulator();
      const marks = [uniqueMarker(), uniqueMarker()];
      try {
        await deploy(emu, "detacher", files, { runtime, timeout: 3 });
        const timedOut = await sdkInvoke(emu, "detacher", { mark: marks[0], hang: true });
        assert.equal(timedOut.status, 408);
        await eventually(() => (markedProcessExists(marks[0]) ? undefined : true), 10_000);
        assert.equal((await sdkInvoke(emu, "detacher", { mark: marks[1] })).parsed(), "spawned");
        await eventually(() => (markedProcessExists(marks[1]) ? true : undefined), 10_000);
      } finally {
        await emu.close();
      }
      await eventually(() => (markedProcessExists(marks[1]) ? undefined : true), 10_000);
    });
  }

  it("fgs emulator stops and exits although its functions left detached children (Node.js and Python)", async () => {
    const child = await startChildEmulator();
    const marks = [uniqueMarker(), uniqueMarker()];
    const seed = async (name: string, code: Buffer, runtime: string) => {
      const r = await rawRequest(child.handle.url, "POST", "/__admin/functions", { "Content-Type": "application/json", "X-Fgs-Admin": child.adminToken },
        JSON.stringify({ func_name: name, runtime, handler: "index.handler", code: code.toString("base64") }));
      assert.equal(r.status, 200, r.body.toString());
    };
    let exited = false;
    try {
      await seed("nd", await zip({ "index.js": NODE_DETACHER }), "Node.js18.15");
      await seed("pd", await zip({ "index.py": PYTHON_DETACHER }), "Python3.10");
      for (const [i, name] of ["nd", "pd"].entries()) {
        const emuLike = child.handle as unknown as EmulatorHandle;
        assert.equal((await sdkInvoke(emuLike, name, { mark: marks[i] })).parsed(), "spawned");
      }
      for (const m of marks) await eventually(() => (markedProcessExists(m) ? true : undefined), 10_000);
      const stopped = child.stop().then(() => (exited = true));
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 15_000))]);
      assert.ok(exited, "the emulator process exited after its stop");
    } finally {
      if (!exited) process.kill(child.pid, "SIGKILL");
    }
    for (const m of marks) await eventually(() => (markedProcessExists(m) ? undefined : true), 10_000);
  });
});

describe("without bubblewrap", () => {
  it("the emulator says so at start and runs no code (503 naming the fix) unless told --unsafe-no-sandbox", async () => {
    const writes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    let emu: EmulatorHandle;
    try {
      emu = await startEmulator({ runtime: { bwrapCommand: "/nonexistent/bwrap" } });
    } finally {
      process.stderr.write = write;
    }
    try {
      assert.match(writes.join(""), /bubblewrap \('\/nonexistent\/bwrap'\) is not installed.*--unsafe-no-sandbox/);
      await deploy(emu, "nobwrap", { "index.js": "exports.handler = async () => 'ran';" });
      const { signedRequest } = await import("../emulator/helpers");
      assert.equal((await signedRequest(emu, "GET", "/nobwrap/config")).status, 200, "the management API still works");
      const call = await signedRequest(emu, "POST", "/nobwrap/invocations", { body: {} });
      assert.equal(call.status, 503);
      assert.equal(call.json().error_code, "FSS.0503");
      assert.match(String(call.json().error_msg), /apt-get install bubblewrap.*--unsafe-no-sandbox/);
    } finally {
      await emu.close();
    }
    const unsafe = await startEmulator({ runtime: { bwrapCommand: "/nonexistent/bwrap", unsafeNoSandbox: true } });
    try {
      await deploy(unsafe, "nobwrap", { "index.js": "exports.handler = async () => 'ran';" });
      assert.equal((await sdkInvoke(unsafe, "nobwrap")).parsed(), "ran");
    } finally {
      await unsafe.close();
    }
  });
});
