/**
 * The sandbox's seccomp filter (emulator/runtime/seccomp.ts): function code cannot make a user namespace (nor any
 * other) — through unshare(2), clone(2) or the `unshare` command — while what functions ordinarily do (child
 * processes, worker threads, Python threads and multiprocessing) still works.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { seccompFilter } from "../../emulator/runtime/seccomp";
import { findExecutable } from "../../emulator/runtime/sandbox";
import { deploy, emulatorForSuite, sdkInvoke } from "./invoke-helpers";

const skip = !findExecutable("bwrap") ? "needs bwrap (.ci/run installs it)" : !seccompFilter() ? `no filter for ${process.arch}` : false;

const NODE_PROBE = `
const { spawnSync } = require("node:child_process");
const { Worker } = require("node:worker_threads");
exports.handler = async () => {
  const u = spawnSync("unshare", ["-U", "true"], { encoding: "utf8" });
  const shell = spawnSync("sh", ["-c", "echo from a child"], { encoding: "utf8" });
  const worker = await new Promise((resolve, reject) => {
    const w = new Worker("require('node:worker_threads').parentPort.postMessage(6 * 7)", { eval: true });
    w.on("message", resolve);
    w.on("error", reject);
  });
  const filtered = /^Seccomp:\\s*2$/m.test(require("node:fs").readFileSync("/proc/self/status", "utf8"));
  return { unshare: u.status, unshareErr: u.stderr, shell: shell.stdout, worker, filtered };
};
`;

const PYTHON_PROBE = `
import ctypes, multiprocessing, os, subprocess, threading
CLONE_NEWUSER, CLONE_NEWNS, SIGCHLD = 0x10000000, 0x00020000, 17
def handler(event, context):
    libc = ctypes.CDLL(None, use_errno=True)
    unshare = libc.unshare(CLONE_NEWUSER)
    unshare_errno = ctypes.get_errno()
    pid = libc.syscall(56, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    clone_errno = ctypes.get_errno()
    if pid > 0:
        os.waitpid(pid, 0)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params
    uring = libc.syscall(425, 1, params)
    uring_errno = ctypes.get_errno()
    command = subprocess.run(['unshare', '-U', 'true'], capture_output=True, text=True)
    out = []
    t = threading.Thread(target=lambda: out.append('thread'))
    t.start(); t.join()
    with multiprocessing.Pool(2) as p:
        squares = p.map(abs, [-1, -2, -3])
    return {'unshare': unshare, 'unshareErrno': unshare_errno, 'clone': pid, 'cloneErrno': clone_errno,
            'uring': uring, 'uringErrno': uring_errno,
            'command': command.returncode, 'commandErr': command.stderr, 'thread': out, 'squares': squares,
            'fork': subprocess.run(['true']).returncode}
`;

describe("seccomp: no namespaces inside the sandbox, ordinary code unaffected", { skip }, () => {
  const emu = emulatorForSuite();

  it("Node.js: `unshare -U` fails with EPERM; child processes and worker threads work", async () => {
    await deploy(emu(), "node-ns", { "index.js": NODE_PROBE }, { timeout: 20 });
    const out = (await sdkInvoke(emu(), "node-ns")).parsed();
    assert.equal(out.filtered, true, "the function runs under a seccomp filter");
    assert.notEqual(out.unshare, 0);
    assert.match(out.unshareErr, /Operation not permitted/);
    assert.equal(out.shell, "from a child\n");
    assert.equal(out.worker, 42);
  });

  it("Python: unshare(2) and clone(2) with CLONE_NEWUSER, and io_uring_setup(2), fail with EPERM; threads, subprocess and multiprocessing work", async () => {
    await deploy(emu(), "py-ns", { "index.py": PYTHON_PROBE }, { runtime: "Python3.10", timeout: 30 });
    const out = (await sdkInvoke(emu(), "py-ns")).parsed();
    assert.deepEqual([out.unshare, out.unshareErrno, out.clone, out.cloneErrno], [-1, 1, -1, 1]);
    assert.deepEqual([out.uring, out.uringErrno], [-1, 1], "io_uring_setup is refused with EPERM");
    assert.notEqual(out.command, 0);
    assert.match(out.commandErr, /Operation not permitted/);
    assert.deepEqual(out.thread, ["thread"]);
    assert.deepEqual(out.squares, [1, 2, 3]);
    assert.equal(out.fork, 0);
  });
});

describe("seccomp filter table", () => {
  it("exists for x86_64 only (elsewhere instances run unfiltered, said at start), as whole sock_filter entries", () => {
    assert.equal(seccompFilter("arm64"), undefined);
    const program = seccompFilter("x64")!;
    assert.equal(program.length % 8, 0);
    // The first instruction loads the architecture, the last kills: a foreign ABI never reaches the table.
    assert.deepEqual([program.readUInt16LE(0), program.readUInt32LE(4)], [0x20, 4]);
    assert.equal(program.readUInt32LE(program.length - 4), 0x80000000);
  });
});
