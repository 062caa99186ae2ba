/**
 * Work dirs killed emulators left behind. A runtime's work dir is named `fgs-runtime-<pid>-<start time>-<random>`
 * (process-tools.ts `ownProcessMark`): a process killed before its close (SIGKILL) cannot remove it, so the next
 * runtime started on the same base dir removes those whose process no longer runs — a pid that runs again under
 * another start time is another process. A dir of a running emulator, and any dir not named so, is left alone.
 *
 * The base is usually the world-writable temp dir, where anyone can make a dir with such a name: only a real
 * directory (not a link) owned by this process's user and writable by no one else — as the emulator makes them —
 * is removed, checked again (same device and inode) right before, and removed without following any link
 * inside (remove-tree.ts), since the instances' temp dirs below it belonged to the functions' users.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { markedProcessRunning, ownProcessMark } from "./process-tools";
import { removeTreeSync } from "./remove-tree";

const PREFIX = "fgs-runtime-";
const NAME = /^fgs-runtime-(\d+-\d+)-[A-Za-z0-9]{6}$/;

/** The `mkdtemp` prefix of this process's work dirs under `base`. */
export function workDirPrefix(base: string): string {
  return path.join(base, `${PREFIX}${ownProcessMark()}-`);
}

/** The dir's identity when it is one this user's emulator could have made: a real dir of ours, group/other cannot write. */
function ownWorkDir(dir: string): { dev: number; ino: number } | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return undefined;
  }
  const euid = process.geteuid?.();
  if (!st.isDirectory() || euid === undefined || st.uid !== euid || (st.mode & 0o022) !== 0) return undefined;
  return { dev: st.dev, ino: st.ino };
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
    if (!m) continue;
    const dir = path.join(base, name);
    const first = ownWorkDir(dir);
    if (!first || markedProcessRunning(m[1])) continue; // another user's (or a planted one), or still in use
    const again = ownWorkDir(dir);
    if (!again || again.dev !== first.dev || again.ino !== first.ino) continue;
    if (removeTreeSync(dir)) removed.push(dir);
  }
  return removed;
}
