/**
 * The data dir belongs to the emulator's user alone. The emulator often runs as root, so a data dir another
 * user prepared (or can still write) would let that user read the sealing key, or point `state.json`,
 * `secret.key`, the lock or a port file at any file on the machine for root to chmod or write. Before anything
 * is read or written, `secureDataDir` resolves the dir once (a symlinked data dir the user made stays usable:
 * its target is what is checked and used), refuses it unless its owner is the emulator's effective uid and
 * neither its group nor others may write it, tightens it to 0700, and refuses any entry in it that is a symbolic
 * link, not owned by that uid, or (a directory) writable by others. No other user can then add an entry. Files
 * are read with `readOwnedFile` (O_NOFOLLOW, checked and chmod-ed on the open descriptor) and written through
 * `writeAtomic` (persistence.ts: an exclusive temp file renamed into place, which never follows a link).
 * Refusals are `DataDirUnsafeError` (`FGS_DATA_DIR_UNSAFE`), naming the path, its owner and the fix.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FgsError } from "../../provider/errors";

/** The emulator's effective uid; undefined where there are none (Windows), where nothing is checked. */
const euid = (): number | undefined => process.geteuid?.();

/** A data dir, or a file in it, that another user owns or could change; the message names the path and the fix. */
export class DataDirUnsafeError extends FgsError {
  /** The data dir refused. */
  readonly dataDir: string;
  /** The path found unsafe (the dir itself or an entry in it). */
  readonly path: string;

  constructor(dataDir: string, file: string, problem: string, fix: string) {
    super("FGS_DATA_DIR_UNSAFE", `emulator: refusing the data dir '${dataDir}': ${problem}. ${fix}; nothing in it was read or changed`);
    this.name = "DataDirUnsafeError";
    this.dataDir = dataDir;
    this.path = file;
  }
}

/** Refuses `st` (of `file`, in `dataDir`) unless it is the emulator's own: its owner, no link, no write for others. */
function checkOwned(dataDir: string, file: string, st: fs.Stats): void {
  const uid = euid();
  if (uid === undefined) return;
  if (st.isSymbolicLink()) {
    let target = "";
    try {
      target = ` (to ${fs.readlinkSync(file)})`;
    } catch {
      /* gone meanwhile */
    }
    throw new DataDirUnsafeError(dataDir, file, `${file} is a symbolic link${target}, and the emulator keeps only files of its own there`,
      `Remove the link (rm '${file}') if you did not make it, and start again`);
  }
  if (st.uid !== uid) {
    throw new DataDirUnsafeError(dataDir, file, `${file} is owned by uid ${st.uid}, not by the emulator's user (uid ${uid}): its owner could ` +
      "read the key sealing encrypted values or point its files elsewhere",
      `Choose a data dir of your own (--data-dir), or, if its files are yours, chown -R ${uid} '${dataDir}'`);
  }
  if (st.isDirectory() && (st.mode & 0o022) !== 0) {
    throw new DataDirUnsafeError(dataDir, file, `${file} is writable by its group or by others (mode ${(st.mode & 0o7777).toString(8)}): ` +
      "they could replace the files in it", `If only you put files there, chmod go-w '${file}'; else choose another --data-dir`);
  }
}

/**
 * Makes `dir` if absent (0700), resolves it once (realpath) and checks it and each entry in it (see the file
 * comment); tightens the dir to 0700. Returns the resolved dir, the one to use from then on. Throws
 * `DataDirUnsafeError` on a dir or entry of another user.
 */
export function secureDataDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const real = fs.realpathSync(dir);
  const st = fs.lstatSync(real);
  if (!st.isDirectory()) throw new DataDirUnsafeError(dir, real, `${real} is not a directory`, "Choose a directory as --data-dir");
  checkOwned(dir, real, st);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(real, 0o700); // a dir made by an older emulator too (no link: realpath resolved them all)
  for (const name of fs.readdirSync(real)) {
    const entry = path.join(real, name);
    let est: fs.Stats;
    try {
      est = fs.lstatSync(entry);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // removed meanwhile (a temp file)
      throw err;
    }
    checkOwned(dir, entry, est);
  }
  return real;
}

/** Opens for reading without following a link (ELOOP then) nor blocking on a FIFO. */
const NO_FOLLOW_READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** What a failed `NO_FOLLOW_READ` open means: undefined when the file is absent, a refusal for a link, else the error. */
function openFailed(dataDir: string, file: string, err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return undefined;
  if (code === "ELOOP") checkOwned(dataDir, file, fs.lstatSync(file));
  throw err;
}

/**
 * Reads `file` of `dataDir` without following a link (O_NOFOLLOW), refusing one that is not a regular file of
 * the emulator's user (`DataDirUnsafeError`); with `mode`, sets it on the open descriptor first (fchmod).
 * Undefined when the file is absent.
 */
export async function readOwnedFile(dataDir: string, file: string, mode?: number): Promise<Buffer | undefined> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, NO_FOLLOW_READ);
  } catch (err) {
    return openFailed(dataDir, file, err);
  }
  try {
    const st = await handle.stat();
    ownedRegular(dataDir, file, st);
    if (mode !== undefined && (st.mode & 0o7777) !== mode) await handle.chmod(mode);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** `readOwnedFile` for synchronous callers (the lock, the kept ports). */
export function readOwnedFileSync(dataDir: string, file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, NO_FOLLOW_READ);
  } catch (err) {
    return openFailed(dataDir, file, err);
  }
  try {
    ownedRegular(dataDir, file, fs.fstatSync(fd));
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function ownedRegular(dataDir: string, file: string, st: fs.Stats): void {
  checkOwned(dataDir, file, st);
  if (!st.isFile()) throw new DataDirUnsafeError(dataDir, file, `${file} is not a regular file`, `Remove it (it is not the emulator's) and start again`);
}
