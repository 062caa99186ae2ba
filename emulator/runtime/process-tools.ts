/**
 * Process helpers for instances: kill a whole process group (an instance and everything it started), and read
 * a process's peak resident memory from /proc (0 where /proc is absent).
 */
import * as fs from "node:fs";

/** SIGKILLs the process group led by `pid` (instances are spawned detached, so they lead one); never throws. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

/** Peak resident set size of `pid` in MB (VmHWM), or 0 when unknown. */
export function peakMemoryMB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}
