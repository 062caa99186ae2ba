/**
 * Temp files a killed write left in a data dir. Every durable write (persistence.ts) goes to
 * `<name>.<pid>.<8 hex>.tmp` and is renamed into place; a process killed in between leaves the temp file
 * behind forever. On start, those whose writer pid no longer runs are removed (a live pid may be another
 * emulator sharing the dir mid-write, so its files are left alone). Nothing else in the dir is touched.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

const TEMP_NAME = /^.+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the stale temp files directly in each of `dirs` (absent dirs are skipped); returns the paths removed. */
export async function removeStaleTempFiles(dirs: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    for (const name of names) {
      const m = TEMP_NAME.exec(name);
      if (!m || running(Number(m[1]))) continue;
      const file = path.join(dir, name);
      const st = await fs.lstat(file).catch(() => undefined);
      if (!st?.isFile()) continue;
      await fs.rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}
