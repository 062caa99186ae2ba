/**
 * Process helpers for instances: kill a whole process group (an instance and everything it started), and read
 * the peak resident memory of a process tree from /proc (0 where /proc is absent).
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

/**
 * The uid owning the TCP socket connected from loopback port `clientPort` to `serverPort` (from /proc/net/tcp
 * and tcp6), or undefined when it is not found. The sandbox's network is the host's, so a server on loopback can
 * tell which function's user connected.
 */
export function loopbackPeerUid(clientPort: number, serverPort: number): number | undefined {
  const local = `:${clientPort.toString(16).toUpperCase().padStart(4, "0")}`;
  const remote = `:${serverPort.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "latin1");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length > 7 && f[1].endsWith(local) && f[2].endsWith(remote)) return Number(f[7]);
    }
  }
  return undefined;
}

/** `pid` and every process below it (children from /proc/<pid>/task/<tid>/children), at most `max`. */
function processTree(pid: number, max = 64): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < max) {
    const p = queue.shift()!;
    out.push(p);
    try {
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) {
        const kids = fs.readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (kids) queue.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      /* gone, or no /proc */
    }
  }
  return out;
}

/**
 * Peak resident set size in MB (VmHWM) of the largest process in the tree led by `pid` — in the sandbox, `pid`
 * is bwrap and the function's process is below it — or 0 when unknown.
 */
export function peakMemoryMB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let peak = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) peak = Math.max(peak, Math.round(Number(m[1]) / 1024));
    } catch {
      /* gone */
    }
  }
  return peak;
}
