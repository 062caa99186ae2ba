/**
 * Removing a directory tree that other users can write into (an instance's temp dir is owned by the function's
 * uid; a stale work dir holds those too) without ever following a symbolic link: Node's recursive `fs.rm` checks
 * each entry by path and then descends by path, so a subdirectory swapped for a link in between makes it delete
 * what the link points at (as root: anything). GNU `rm -rf` walks with `openat`/`unlinkat` on descriptors opened
 * with O_NOFOLLOW and checks each directory's device and inode, so a swap cannot redirect it; `--one-file-system`
 * keeps it off any mount met inside.
 */
import { execFile, execFileSync } from "node:child_process";

const RM = "rm";
const args = (dir: string) => ["-rf", "--one-file-system", "--", dir];

/** Removes `dir` and everything below it, never following a link; false when `rm` failed (the tree may remain). */
export function removeTreeSync(dir: string): boolean {
  try {
    execFileSync(RM, args(dir), { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `removeTreeSync` without blocking: resolves false when `rm` failed. */
export function removeTree(dir: string): Promise<boolean> {
  return new Promise((resolve) => execFile(RM, args(dir), (err) => resolve(!err)));
}
