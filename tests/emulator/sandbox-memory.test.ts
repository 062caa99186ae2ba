/**
 * Memory held in shared mappings, which RLIMIT_DATA does not count: where the emulator can make memory cgroups
 * (root, a writable cgroupfs: emulator/runtime/memory-cgroup.ts), a function filling a shared anonymous mapping
 * (or `/dev/shm`) past its memory is killed and the call answers the out-of-memory error; a function within its
 * memory is not affected, and no cgroup outlives the emulator.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MemoryCgroups } from "../../emulator/runtime/memory-cgroup";
import { findExecutable } from "../../emulator/runtime/sandbox";
import { deploy, emulatorForSuite, sdkInvoke } from "./invoke-helpers";

const skip = !findExecutable("bwrap") ? "needs bwrap (.ci/run installs it)" : !MemoryCgroups.open() ? "no memory cgroup can be made here (not root, or a read-only cgroupfs)" : false;

/** Fills `mb` MB of a MAP_SHARED|MAP_ANONYMOUS mapping page by page (Python's mmap with fileno -1). */
const SHARED_FILL = `
import mmap
def handler(event, context):
    size = event['mb'] * 1024 * 1024
    m = mmap.mmap(-1, size, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    for i in range(0, size, 4096):
        m[i] = 1
    return event['mb']
`;

/** The emulator's per-process cgroup directories (memory hierarchy, v1 or v2). */
function ourCgroups(): string[] {
  const line = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (!line) return [];
  const dir = path.join("/sys/fs/cgroup/memory", line.slice(line.lastIndexOf(":") + 1));
  try {
    const own = fs.readdirSync(dir).filter((n) => n === `fgs-emulator-${process.pid}-${fs.readFileSync(`/proc/${process.pid}/stat`, "latin1").split(") ")[1].split(" ")[19]}`);
    return own.flatMap((n) => fs.readdirSync(path.join(dir, n)).filter((c) => c.startsWith("i-")).map((c) => path.join(dir, n, c)));
  } catch {
    return [];
  }
}

describe("memory: shared mappings count against the function's memory", { skip }, () => {
  const emu = emulatorForSuite();

  it("a function filling a shared anonymous mapping past its memory is killed with the out-of-memory error", async () => {
    await deploy(emu(), "shmhog", { "index.py": SHARED_FILL }, { runtime: "Python3.10", memory_size: 128, timeout: 30 });
    const r = await sdkInvoke(emu(), "shmhog", { mb: 400 });
    assert.notEqual(r.status, 200);
    assert.match(r.parsed().errorMessage, /out of memory/);
    // Within its memory, the same code runs.
    const ok = await sdkInvoke(emu(), "shmhog", { mb: 32 });
    assert.equal(ok.status, 200);
    assert.equal(ok.parsed(), 32);
    assert.ok(ourCgroups().length >= 1, "the warm instance runs in a cgroup of its own");
  });

  it("a Node.js function filling /dev/shm past its memory is stopped there", async () => {
    await deploy(emu(), "devshm", { "index.js": `
      const fs = require("node:fs");
      exports.handler = async () => {
        const chunk = Buffer.alloc(16 * 1024 * 1024, 1);
        let written = 0;
        try {
          for (let i = 0; i < 25; i++) { fs.appendFileSync("/dev/shm/fill", chunk); written += 16; }
        } catch (e) { return { written, error: e.code }; }
        return { written };
      };` }, { memory_size: 128, timeout: 30 });
    const r = await sdkInvoke(emu(), "devshm");
    // Either the tmpfs's size (memory_size) refuses the write or the cgroup kills the instance: never 400 MB.
    if (r.status === 200) {
      assert.equal(r.parsed().error, "ENOSPC");
      assert.ok(r.parsed().written <= 128);
    } else assert.match(r.parsed().errorMessage, /out of memory/);
  });
});
