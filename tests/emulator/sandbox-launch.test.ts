/**
 * How a sandboxed instance is started (emulator/runtime/launch.ts `spawnInstance`, sandbox.ts `sandboxEnv`): the
 * function's environment never reaches a privileged process (bwrap on the host, setpriv before its drop) nor a
 * host command line, descriptors the emulator inherited never reach the function, and a loopback peer is found
 * by its whole connection, not by its port alone (process-tools.ts `loopbackPeerUid`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawnInstance, type LaunchSpec } from "../../emulator/runtime/launch";
import { bwrapArgs, findExecutable, sandboxEnv } from "../../emulator/runtime/sandbox";
import { loopbackPeerUid } from "../../emulator/runtime/process-tools";

const BWRAP = findExecutable("bwrap");
const SETPRIV = findExecutable("setpriv");
const AS_ROOT = process.getuid?.() === 0;
const skip = !BWRAP || !SETPRIV ? "needs bwrap and setpriv (.ci/run installs them)" : !AS_ROOT ? "the setpriv path runs as root" : false;

/** A sandboxed `command` the way the emulator launches one as root, with `env` as the function's environment. */
function sandboxed(command: string[], env: Record<string, string>): LaunchSpec {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-launch-"));
  const b = bwrapArgs({
    user: { uid: 61234, gid: 61234 }, setpriv: SETPRIV, mounts: [{ source: dir, dest: "/tmp", writable: true }],
    network: "host", cwd: "/", command,
  }, 3);
  return {
    command: BWRAP!, args: b.args, inputFiles: b.inputFiles,
    options: { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    sandbox: { optionsEnd: b.optionsEnd, commandAt: b.commandAt, setpriv: true },
  };
}

function collect(child: ChildProcess): Promise<{ out: string; err: string; code: number | null }> {
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString("utf8")));
  return new Promise((resolve) => child.on("close", (code) => resolve({ out, err, code })));
}

describe("starting a sandboxed instance", () => {
  it("parks loader variables while privileged processes run and restores them for the command", () => {
    const { envArgs, stage } = sandboxEnv({ FOO: "bar", LD_PRELOAD: "/x.so", GCONV_PATH: "/g" }, true);
    assert.deepEqual(envArgs, ["--clearenv", "--setenv", "FOO", "bar", "--setenv", "FGS_PARKED_LD_PRELOAD", "/x.so", "--setenv", "FGS_PARKED_GCONV_PATH", "/g"]);
    assert.equal(stage[0], "/bin/sh");
    assert.ok(!stage.join(" ").includes("/x.so"), "the stage names the variables, never their values");
    // Without setpriv (no privileged stage inside) nothing is parked.
    assert.deepEqual(sandboxEnv({ LD_PRELOAD: "/x.so" }, false), { envArgs: ["--clearenv", "--setenv", "LD_PRELOAD", "/x.so"], stage: [] });
  });

  it("gives the function its environment, loader variables included, and only its own processes load them", { skip }, async () => {
    const child = spawnInstance(sandboxed(["/usr/bin/env"], { PATH: "/usr/bin:/bin", FOO: "bar", LD_PRELOAD: "/nonexistent-fgs.so" }));
    const { out, err, code } = await collect(child);
    assert.equal(code, 0, err);
    assert.match(out, /^FOO=bar$/m);
    assert.match(out, /^LD_PRELOAD=\/nonexistent-fgs\.so$/m);
    assert.doesNotMatch(out, /FGS_PARKED_/);
    // The loader complains once per process that loads the preload: only `env`, never bwrap, setpriv or sh.
    assert.equal(err.match(/nonexistent-fgs\.so/g)?.length, 1, err);
  });

  it("keeps the function's values off bwrap's command line and out of its environment", { skip }, async () => {
    const secret = "fgs-secret-value-" + process.pid;
    const child = spawnInstance(sandboxed(["/bin/sh", "-c", "sleep 1"], { PATH: "/usr/bin:/bin", TOKEN: secret }));
    await new Promise((r) => setTimeout(r, 300));
    const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
    const environ = fs.readFileSync(`/proc/${child.pid}/environ`, "utf8");
    assert.ok(cmdline.startsWith(BWRAP!), cmdline);
    assert.ok(!cmdline.includes(secret) && !environ.includes(secret), "the value shows on the host");
    const { code, err } = await collect(child);
    assert.equal(code, 0, err);
  });

  it("points descriptors the emulator inherited at /dev/null in the function", { skip }, async () => {
    // A Node process started by a shell with `100<file` (descriptor 100 open across exec, as for an emulator
    // started that way; Node itself closes low ones on exec) starts a sandboxed `ls -l /proc/self/fd`.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-inherit-"));
    const secretFile = path.join(dir, "inherited-secret.txt");
    fs.writeFileSync(secretFile, "secret\n");
    const launch = path.join(__dirname, "..", "..", "emulator", "runtime", "launch.js");
    const sandbox = path.join(__dirname, "..", "..", "emulator", "runtime", "sandbox.js");
    const script = `
      const { spawnInstance } = require(${JSON.stringify(launch)});
      const { bwrapArgs } = require(${JSON.stringify(sandbox)});
      const b = bwrapArgs({ user: { uid: 61235, gid: 61235 }, setpriv: ${JSON.stringify(SETPRIV)}, mounts: [], network: "host", cwd: "/",
        command: ["/bin/sh", "-c", "ls -l /proc/self/fd/; cat /proc/self/fd/100 2>&1 || true"] }, 3);
      const c = spawnInstance({ command: ${JSON.stringify(BWRAP)}, args: b.args, inputFiles: b.inputFiles,
        options: { env: { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] }, sandbox: { optionsEnd: b.optionsEnd, commandAt: b.commandAt, setpriv: true } });
      c.stdout.pipe(process.stdout); c.stderr.pipe(process.stderr);`;
    const child = spawn("/bin/bash", ["-c", 'exec 100<"$1"; exec "$2" -e "$3"', "bash", secretFile, process.execPath, script], { stdio: ["ignore", "pipe", "pipe"] });
    const { out, err, code } = await collect(child);
    assert.equal(code, 0, err);
    assert.match(out, /100 -> \/dev\/null/, out);
    assert.ok(!out.includes("inherited-secret") && !out.includes("secret\n"), out);
  });

  it("finds a loopback peer by its whole connection, not by a port another address shares", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const serverEnd = { address: "127.0.0.1", port: (server.address() as net.AddressInfo).port };
    const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
    const client = net.connect({ host: "127.0.0.1", port: serverEnd.port });
    const socket = await accepted;
    try {
      const peer = { address: socket.remoteAddress!, port: socket.remotePort! };
      assert.equal(loopbackPeerUid(peer, serverEnd), process.getuid!());
      // The same port from another loopback address is another connection: none here.
      assert.equal(loopbackPeerUid({ address: "127.0.0.77", port: peer.port }, serverEnd), undefined);
      assert.equal(loopbackPeerUid(peer, { address: "127.0.0.78", port: serverEnd.port }), undefined);
    } finally {
      client.destroy();
      socket.destroy();
      server.close();
    }
  });
});
