/**
 * Work dirs killed emulators left behind. A runtime's work dir is named `fgs-runtime-<pid>-<start time>-<random>`
 * (process-tools.ts `ownProcessMark`): a process killed before its close (SIGKILL) cannot remove it, so the next
 * runtime started on the same base dir removes those whose process no longer runs — a pid that runs again under
 * another start time is another process. A dir of a running emulator, and any dir not named so, is left alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { markedProcessRunning, ownProcessMark } from "./process-tools";

const PREFIX = "fgs-runtime-";
const NAME = /^fgs-runtime-(\d+-\d+)-[A-Za-z0-9]{6}$/;

/** The `mkdtemp` prefix of this process's work dirs under `base`. */
export function workDirPrefix(base: string): string {
  return path.join(base, `${PREFIX}${ownProcessMark()}-`);
}

/** Removes the work dirs under `base` whose emulator is gone; returns their paths. Never throws. */
export function removeStaleWorkDirs(base: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || markedProcessRunning(m[1])) continue;
    const dir = path.join(base, name);
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      /* another user's: left alone */
    }
  }
  return removed;
}
