/**
 * One run at a time per stack, with the Pulumi file backend's own lock (pkg/backend/diy/lock.go), so the harness
 * and the CLI cannot write one stack's checkpoint at once: a run writes `<lockDir>/<random id>.json` holding
 * `{ pid, username, hostname, timestamp }` (the CLI's fields; the harness adds `operation` and `processStart`)
 * and then checks that it is the only file there; any other file means another run holds the stack. A lock whose
 * holder is gone is stale and removed: same host and the pid no longer runs, or runs but started at another time
 * (the pid was reused). A lock from another host cannot be checked from here; the message says how to remove it
 * (`pulumi cancel`, or deleting the file).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FgsError } from "../provider/errors";

/** What a lock file records (the CLI writes pid, username, hostname and timestamp only). */
export interface LockInfo {
  pid: number;
  hostname: string;
  username?: string;
  timestamp: string;
  /** The holder's start time (Linux: /proc/<pid>/stat field 22), to tell a reused pid from the holder. */
  processStart?: string;
  operation?: string;
}

/** A held lock. */
export interface StateLock {
  readonly file: string;
  /** Removes the lock file if it is still there (idempotent). */
  release(): void;
}

/** The stack is locked by a live run; `holder` says by whom. */
export class StateLockedError extends FgsError {
  override name = "StateLockedError";
  constructor(readonly lockFile: string, readonly holder: LockInfo | undefined) {
    super("FGS_STATE_LOCKED", holder
      ? `the stack is locked by another run: ${holder.operation ?? "a Pulumi CLI operation"} by pid ${holder.pid} on ${holder.hostname} since ${holder.timestamp}. ` +
        `Wait for it to finish. If that run is gone (e.g. its machine crashed), run 'pulumi cancel' or delete ${lockFile}, and run again`
      : `the stack is locked (${lockFile} exists but cannot be read). If no other run is going on, delete it and run again`);
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
  if (info.hostname !== os.hostname()) return false;
  if (!alive(info.pid)) return true;
  const start = processStartTime(info.pid);
  return info.processStart !== undefined && start !== undefined && start !== info.processStart;
}

function readInfo(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    return typeof v.pid === "number" && typeof v.hostname === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

function others(dir: string, mine: string): string[] {
  try {
    return fs.readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => f !== mine && fs.statSync(f, { throwIfNoEntry: false })?.isFile());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** Removes the stale locks among `files` (telling `onStale`), or throws for the first live or unreadable one. */
function clear(files: string[], onStale?: (info: LockInfo) => void): void {
  for (const file of files) {
    const holder = readInfo(file);
    if (!holder || !isStale(holder)) throw new StateLockedError(file, holder);
    onStale?.(holder);
    fs.rmSync(file, { force: true });
  }
}

/**
 * Takes the stack's lock in `lockDir` (`<backend>/.pulumi/locks/organization/<project>/<stack>`) for
 * `operation`, or throws StateLockedError. Stale locks are removed (and `onStale` told about each).
 */
export function lockState(lockDir: string, operation: string, onStale?: (info: LockInfo) => void): StateLock {
  const file = path.join(lockDir, `${crypto.randomUUID()}.json`);
  clear(others(lockDir, file), onStale);
  const mine: LockInfo = {
    pid: process.pid, username: os.userInfo().username, hostname: os.hostname(), timestamp: new Date().toISOString(),
    processStart: processStartTime(process.pid), operation,
  };
  fs.mkdirSync(lockDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(mine), { flag: "wx", mode: 0o600 });
  // As the CLI does: check again after writing; two runs that raced both see each other and both give way.
  const rivals = others(lockDir, file);
  if (rivals.length > 0) {
    fs.rmSync(file, { force: true });
    throw new StateLockedError(rivals[0], readInfo(rivals[0]));
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      fs.rmSync(file, { force: true });
    },
  };
}
