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
 * The uid owning the TCP socket connected from `client` to `server` (loopback addresses and ports: IPv4, IPv4-mapped
 * or `::1`, from /proc/net/tcp and tcp6), or undefined when it is not found. The sandbox's network is the host's, so
 * a server on loopback can tell which user connected.
 */
export function loopbackPeerUid(client: { address: string; port: number }, server: { address: string; port: number }): number | undefined {
  // The client's own row, by its whole connection (both addresses and ports): a row that only shares the ports
  // (another process bound to another loopback address with the same port) is not it. Any state but TIME_WAIT
  // (whose rows carry no owner): a client that half-closed at once (FIN_WAIT) is still its owner's.
  const local = kernelAddresses(client);
  const remote = kernelAddresses(server);
  if (!local || !remote) return undefined;
  // A client on ::1 has an IPv6 socket (tcp6 only); one on IPv4 may have either kind. Each read costs a scan
  // of the kernel's socket table, so the one that cannot hold it is skipped.
  const tables = client.address === "::1" ? ["/proc/net/tcp6"] : ["/proc/net/tcp", "/proc/net/tcp6"];
  for (const table of tables) {
    let text: string;
    try {
      text = fs.readFileSync(table, "latin1");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length > 7 && f[3] !== TIME_WAIT && local.includes(f[1]) && remote.includes(f[2])) return Number(f[7]);
    }
  }
  return undefined;
}

/** The state /proc/net/tcp prints for TIME_WAIT. */
const TIME_WAIT = "06";

/** `address:port` as /proc/net/tcp (IPv4) and tcp6 (IPv4-mapped, `::1`) write it, or undefined for another address. */
function kernelAddresses(end: { address: string; port: number }): string[] | undefined {
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
  const port = hex(end.port, 4);
  // tcp6 prints the 16 bytes as four 32-bit words in the host's (little-endian) byte order: ::1 ends 01000000.
  if (end.address === "::1") return [`00000000000000000000000001000000:${port}`];
  const m = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(end.address);
  if (!m) return undefined;
  // The address's 32-bit word in the host's (little-endian) byte order, as the kernel prints it.
  const word = [m[4], m[3], m[2], m[1]].map((b) => hex(Number(b), 2)).join("");
  return [`${word}:${port}`, `0000000000000000FFFF0000${word}:${port}`];
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

/**
 * The start time of process `pid` (field 22 of /proc/<pid>/stat, in clock ticks since boot), or undefined when it
 * is not running (or there is no /proc). With the pid it names one process for good: a pid reused later by
 * another process has another start time.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]; // fields after the command name start at field 3
  } catch {
    return undefined;
  }
}

/** This process's mark (`<pid>-<start time>`) for what it leaves on the machine (work dirs, cgroups). */
export function ownProcessMark(): string {
  return `${process.pid}-${processStartTime(process.pid) ?? "0"}`;
}

/** True while the process that made `mark` (`ownProcessMark`) runs; false once it is gone (its pid free or reused). */
export function markedProcessRunning(mark: string): boolean {
  const m = /^(\d+)-(\d+)$/.exec(mark);
  if (!m) return true; // not a mark of ours: never treated as left over
  return processStartTime(Number(m[1])) === m[2];
}
