/**
 * A memory cgroup per sandboxed instance, where the machine lets the emulator make one (root, a writable
 * cgroupfs): the instance's whole process tree — shared mappings, memfd, `/dev/shm` and forked children
 * included, which RLIMIT_DATA does not see — is held to the function's memory, and the kernel kills it past that.
 *
 * Layout: `<the emulator's own memory cgroup>/fgs-emulator-<pid>-<start time>/i-<random>` (cgroup v1's memory
 * hierarchy, or cgroup v2 where the memory controller is already enabled for the emulator's children; one
 * directory per process, shared by the emulators it runs). Each instance's cgroup is removed when it ends, the
 * process's when it exits, and those of processes no longer running when the next emulator starts. The bwrap process joins its cgroup before it reads its options (launch.ts
 * `spawnInstance`), so nothing of the function runs outside it.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { markedProcessRunning, ownProcessMark } from "./process-tools";

/** Memory above `memory_size` each instance's cgroup allows: the runtime's own processes (bwrap, the interpreter and runner). */
export const CGROUP_HEADROOM_BYTES = 64 * 1024 * 1024;
const PREFIX = "fgs-emulator-";
/** Whether this process removes its cgroup at its exit already. */
let exitHooked = false;

/** Where the emulator's own memory cgroup is, and which cgroup version it is. */
interface Hierarchy {
  dir: string;
  v2: boolean;
}

/** The emulator's own memory cgroup directory (from /proc/self/cgroup and /proc/self/mountinfo), or undefined. */
function ownMemoryCgroup(): Hierarchy | undefined {
  let cgroups: string;
  let mounts: string;
  try {
    cgroups = fs.readFileSync("/proc/self/cgroup", "utf8");
    mounts = fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return undefined;
  }
  const memberOf = (v2: boolean): string | undefined => {
    for (const line of cgroups.split("\n")) {
      const [, controllers, p] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
      if (p === undefined) continue;
      if (v2 ? controllers === "" : controllers.split(",").includes("memory")) return p;
    }
    return undefined;
  };
  for (const line of mounts.split("\n")) {
    // mountinfo: id parent major:minor root mountpoint options [optional…] - fstype source superoptions
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const f = left.split(" ");
    const [fstype, , superOptions = ""] = right.split(" ");
    const v2 = fstype === "cgroup2";
    if (!v2 && !(fstype === "cgroup" && superOptions.split(",").includes("memory"))) continue;
    const own = memberOf(v2);
    const root = f[3];
    if (own === undefined || !(root === "/" || own === root || own.startsWith(root + "/"))) continue;
    const dir = path.join(f[4].replace(/\\040/g, " "), root === "/" ? own : own.slice(root.length));
    if (v2) {
      // Children get memory.max only when the controller is enabled below the emulator's cgroup.
      try {
        if (!fs.readFileSync(path.join(dir, "cgroup.subtree_control"), "utf8").split(/\s+/).includes("memory")) continue;
      } catch {
        continue;
      }
    }
    return { dir, v2 };
  }
  return undefined;
}

/** Removes a cgroup directory and the cgroups below it (empty ones only: a cgroup with processes stays); never throws. */
function removeTree(dir: string): boolean {
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(path.join(dir, e.name));
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** The memory cgroups of one emulator's instances. */
export class MemoryCgroups {
  private constructor(private readonly dir: string, private readonly v2: boolean) {}

  /**
   * The emulator's cgroup for its instances, made now (after removing those of emulators no longer running), or
   * undefined when the machine does not let it make one (not root, read-only or absent cgroupfs, no memory controller).
   */
  static open(): MemoryCgroups | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const own = ownMemoryCgroup();
    if (!own) return undefined;
    try {
      for (const name of fs.readdirSync(own.dir)) {
        if (name.startsWith(PREFIX) && !markedProcessRunning(name.slice(PREFIX.length))) removeTree(path.join(own.dir, name));
      }
      const dir = path.join(own.dir, PREFIX + ownProcessMark());
      fs.mkdirSync(dir, { recursive: true });
      const groups = new MemoryCgroups(dir, own.v2);
      if (!exitHooked) {
        exitHooked = true;
        process.once("exit", () => groups.removeAll());
      }
      // Probe: one instance's cgroup must take a limit, or none is used.
      const probe = groups.create(CGROUP_HEADROOM_BYTES);
      groups.remove(probe);
      return groups;
    } catch {
      return undefined;
    }
  }

  /** A new cgroup holding its processes to `limitBytes` (swap included); throws when it cannot be made. */
  create(limitBytes: number): string {
    const dir = path.join(this.dir, `i-${randomBytes(8).toString("hex")}`);
    fs.mkdirSync(dir);
    try {
      if (this.v2) {
        fs.writeFileSync(path.join(dir, "memory.max"), String(limitBytes));
        if (fs.existsSync(path.join(dir, "memory.swap.max"))) fs.writeFileSync(path.join(dir, "memory.swap.max"), "0");
        const group = path.join(dir, "memory.oom.group"); // the whole instance ends, not one of its processes
        if (fs.existsSync(group)) fs.writeFileSync(group, "1");
      } else {
        fs.writeFileSync(path.join(dir, "memory.limit_in_bytes"), String(limitBytes));
        const memsw = path.join(dir, "memory.memsw.limit_in_bytes"); // memory + swap: not less than the memory limit
        if (fs.existsSync(memsw)) fs.writeFileSync(memsw, String(limitBytes));
      }
    } catch (err) {
      fs.rmdirSync(dir);
      throw err;
    }
    return dir;
  }

  /**
   * Removes an instance's cgroup once its processes are gone (they may take a moment after bwrap's exit: retried
   * a few times); never throws.
   */
  remove(dir: string, attempts = 20): void {
    if (removeTree(dir) || attempts <= 1) return;
    setTimeout(() => this.remove(dir, attempts - 1), 50).unref();
  }

  /** Removes this process's cgroup with what is left below it (at its exit: no instance runs any more); never throws. */
  removeAll(): void {
    removeTree(this.dir);
  }
}

/** True when the kernel killed a process of cgroup `dir` for reaching its memory limit. */
export function outOfMemoryKilled(dir: string): boolean {
  for (const [file, pattern] of [["memory.oom_control", /^oom_kill (\d+)/m], ["memory.events", /^oom_kill (\d+)/m]] as const) {
    try {
      const m = pattern.exec(fs.readFileSync(path.join(dir, file), "utf8"));
      if (m && Number(m[1]) > 0) return true;
    } catch {
      /* the other cgroup version's file */
    }
  }
  return false;
}
