/**
 * This process's peak RSS in bytes: VmHWM from /proc (per address space, reset by exec). `resourceUsage().maxRSS`
 * is NOT usable in a spawned child on Linux: it keeps the parent's peak across fork + exec (a 500 MB parent makes
 * a 39 MB child report 480 MB). Falls back to maxRSS elsewhere.
 */
import * as fs from "node:fs";

/** Peak resident set size of the current process, in bytes. */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
