/**
 * One emulator per data dir: `<dataDir>/emulator.lock`, created with O_EXCL, holds the owner's pid, the start
 * time of its process (so a pid reused by another process is told apart), its host and, once it listens, its
 * API endpoint. A second emulator on the same dir gets `DataDirLockedError` naming the dir, the holder and what
 * to do; a lock whose process is gone (killed before it could release) is taken over. Released on close, and on
 * process exit when close never ran. Two emulators on one dir would each overwrite the other's `state.json`.
 * Taking the lock first checks the data dir is the emulator's user's alone (owned-files.ts `secureDataDir`).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FgsError } from "../../provider/errors";
import { writeAtomic } from "./persistence";
import { readOwnedFileSync, secureDataDir } from "./owned-files";
import { processStartTime } from "../runtime/process-tools";

/** The lock file's name inside the data dir. */
export const LOCK_FILE = "emulator.lock";

const FORMAT = "fgs-emulator-lock/1";

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  /** When the holder's process started (ms since the epoch, as `processStartMs` measures it). */
  startedAt: number;
  host: string;
  /** The holder's API endpoint, once it listens. */
  url?: string;
}

interface LockRecord extends LockHolder {
  format: string;
  /** Tells this lock from another one of the same process (two emulators in one process). */
  token: string;
}

/** Another live emulator holds the data dir (`holder`); the message names the dir, the holder and the fixes. */
export class DataDirLockedError extends FgsError {
  readonly dataDir: string;
  readonly holder: LockHolder;

  constructor(dataDir: string, holder: LockHolder) {
    const serving = holder.url ? `, serving ${holder.url}` : "";
    const endpoint = holder.url ?? "http://127.0.0.1:<its port>";
    super("FGS_DATA_DIR_LOCKED", `emulator: the data dir '${dataDir}' is in use by another emulator (pid ${holder.pid}` +
      `${holder.host !== os.hostname() ? ` on ${holder.host}` : ""}, started ${new Date(holder.startedAt).toISOString()}${serving}); ` +
      `two emulators on one data dir would overwrite each other's state. Use the running one (\`--endpoint ${endpoint}\` ` +
      `for fgs up/invoke/logs, or functiongraph:endpoint), stop it, or choose another --data-dir (lock: ${path.join(dataDir, LOCK_FILE)})`);
    this.name = "DataDirLockedError";
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/**
 * When a process started (ms since the epoch): from `/proc/<pid>/stat` and the boot time on Linux (the same
 * formula for every pid, so two readings of one process agree), else — for this process only — from its uptime.
 */
export function processStartMs(pid: number): number | undefined {
  const ticks = Number(processStartTime(pid));
  try {
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
    if (Number.isFinite(ticks) && Number.isFinite(btime)) return btime * 1000 + ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    // not Linux
  }
  return pid === process.pid ? Math.round(Date.now() - process.uptime() * 1000) : undefined;
}

/** Whether the process a lock names still runs (the same process: same pid and start time, same host). */
function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true; // another machine's (a shared filesystem): cannot tell
  if (holder.pid <= 0) return false; // an unreadable lock old enough to be a dead starter's (readRecord)
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = processStartMs(holder.pid);
  return started === undefined || Math.abs(started - holder.startedAt) < 2000;
}

function readRecord(file: string): LockRecord | undefined {
  const data = readOwnedFileSync(path.dirname(file), file); // a link or another user's lock is refused
  if (data === undefined) return undefined;
  const text = data.toString("utf8");
  try {
    const r = JSON.parse(text) as LockRecord;
    if (r.format === FORMAT && Number.isInteger(r.pid) && typeof r.startedAt === "number" && typeof r.host === "string") return r;
  } catch {
    // fall through: not a lock this emulator wrote
  }
  // Unreadable content: a holder killed between creating and writing the file, or a foreign file. Treated as a
  // dead holder only once it is older than a start takes, so a lock being written is never taken.
  const age = Date.now() - fs.statSync(file).mtimeMs;
  return { format: FORMAT, token: "", pid: 0, startedAt: 0, host: age > 10_000 ? os.hostname() : "(a starting emulator)" };
}

/** The locks this process holds, released on exit when their emulator was never closed (one listener for all). */
const held = new Set<DataDirLock>();
let exitHook = false;

/** The lock an emulator holds on its data dir. */
export class DataDirLock {
  private released = false;

  /** The data dir as resolved and checked when the lock was taken (`secureDataDir`): the one to use from then on. */
  readonly dataDir: string;

  private constructor(private readonly file: string, private record: LockRecord) {
    this.dataDir = path.dirname(file);
    held.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const lock of [...held]) lock.releaseSync();
      });
    }
  }

  /**
   * Takes the data dir (created 0700 if absent): checks it is the emulator's user's alone (`DataDirUnsafeError`
   * otherwise), then creates the lock file with O_EXCL, taking over one whose holder is gone. Throws
   * `DataDirLockedError` when a live emulator holds it.
   */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    const file = path.join(secureDataDir(dataDir), LOCK_FILE);
    const record: LockRecord = {
      format: FORMAT, token: randomBytes(8).toString("hex"), pid: process.pid,
      startedAt: processStartMs(process.pid)!, host: os.hostname(),
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        try {
          fs.writeSync(fd, JSON.stringify(record) + "\n");
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new DataDirLock(file, record);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = readRecord(file);
      if (holder === undefined) continue; // released meanwhile: try again
      if (holderAlive(holder)) throw new DataDirLockedError(dataDir, holder);
      // A dead holder's: remove it unless another starter replaced it meanwhile (then look again).
      const again = readRecord(file);
      if (again && again.token === holder.token && again.pid === holder.pid) fs.rmSync(file, { force: true });
    }
    throw new DataDirLockedError(dataDir, readRecord(file) ?? { pid: 0, startedAt: 0, host: "(unknown)" });
  }

  /** Records the API endpoint in the lock, for the message a second emulator gets. */
  async announce(url: string): Promise<void> {
    if (this.released) return;
    this.record = { ...this.record, url };
    await writeAtomic(this.file, JSON.stringify(this.record) + "\n");
  }

  /** Removes the lock file if it is still this lock's. */
  async release(): Promise<void> {
    this.releaseSync();
  }

  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    try {
      if (readRecord(this.file)?.token === this.record.token) fs.rmSync(this.file, { force: true });
    } catch {
      // the dir is gone: nothing to release
    }
  }
}
