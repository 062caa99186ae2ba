/**
 * One run at a time per stack state, as Pulumi locks a stack: `lockState` creates `<stateFile>.lock`
 * exclusively (O_EXCL) holding who took it — pid, host, the process's start time, the operation and when. A
 * second run on the same state is refused with a clear message naming the holder. A lock whose holder is gone is
 * stale and taken over: same host and the pid no longer runs, or runs but started at another time (the pid was
 * reused). A lock from another host cannot be checked from here; the message says how to remove it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What a lock file records. */
export interface LockInfo {
  pid: number;
  host: string;
  /** The holder's start time (Linux: /proc/<pid>/stat field 22), to tell a reused pid from the holder. */
  processStart?: string;
  operation: string;
  since: string;
}

/** A held lock. */
export interface StateLock {
  readonly file: string;
  /** Removes the lock file if it is still ours (idempotent). */
  release(): void;
}

/** The state is locked by a live run; `holder` says by whom. */
export class StateLockedError extends Error {
  override name = "StateLockedError";
  constructor(readonly lockFile: string, readonly holder: LockInfo | undefined) {
    super(holder
      ? `the stack state is locked by another run: ${holder.operation} by pid ${holder.pid} on ${holder.host} since ${holder.since}. ` +
        `Wait for it to finish. If that run is gone (e.g. its machine crashed), delete ${lockFile} and run again`
      : `the stack state is locked (${lockFile} exists but cannot be read). If no other run is going on, delete it and run again`);
  }
}

/** Start time of process `pid` (clock ticks since boot), or undefined where /proc is absent. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the holder recorded in `info` can be shown to be gone (same host only). */
export function isStale(info: LockInfo): boolean {
  if (info.host !== os.hostname()) return false;
  if (!alive(info.pid)) return true;
  const start = processStartTime(info.pid);
  return info.processStart !== undefined && start !== undefined && start !== info.processStart;
}

function readInfo(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    return typeof v.pid === "number" && typeof v.host === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `stateFile` for `operation`, or throws `StateLockedError`. A stale lock is replaced (and
 * `onStale` told about it).
 */
export function lockState(stateFile: string, operation: string, onStale?: (info: LockInfo) => void): StateLock {
  const file = `${stateFile}.lock`;
  const mine: LockInfo = {
    pid: process.pid, host: os.hostname(), processStart: processStartTime(process.pid), operation, since: new Date().toISOString(),
  };
  const text = JSON.stringify(mine) + "\n";
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, text, { flag: "wx", mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readInfo(file);
      if (attempt > 0 || !holder || !isStale(holder)) throw new StateLockedError(file, holder);
      onStale?.(holder);
      // Replace only the stale file we judged (another run may have replaced it meanwhile).
      const now = readInfo(file);
      if (now?.pid === holder.pid && now.since === holder.since) fs.rmSync(file, { force: true });
    }
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      const now = readInfo(file);
      if (now?.pid === mine.pid && now.since === mine.since) fs.rmSync(file, { force: true });
    },
  };
}
