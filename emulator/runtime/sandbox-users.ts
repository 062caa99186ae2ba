/**
 * The uid (and gid, the same number) each function's instances run as in the sandbox: derived from the
 * function's id, so it is stable for the function and — across emulators on one machine — almost surely
 * another function's uid is another number; within one emulator no two functions ever share one (a collision
 * moves to the next free number). The range (1,000,000,000 + up to 2^30) lies above login users, system users,
 * `nobody` and the usual subordinate-uid ranges, and never includes root.
 */
import { createHash } from "node:crypto";

/** First uid of the range. */
export const SANDBOX_UID_BASE = 1_000_000_000;
/** Size of the range. */
export const SANDBOX_UID_RANGE = 2 ** 30;

/** Uids of the functions of one emulator. */
export class SandboxUsers {
  private readonly byFunction = new Map<string, number>();
  private readonly taken = new Set<number>();

  /** The uid/gid of the function with id `functionId` (the same on every call). */
  userFor(functionId: string): { uid: number; gid: number } {
    let uid = this.byFunction.get(functionId);
    if (uid === undefined) {
      const h = createHash("sha256").update(functionId).digest().readUInt32BE(0) % SANDBOX_UID_RANGE;
      uid = SANDBOX_UID_BASE + h;
      while (this.taken.has(uid)) uid = SANDBOX_UID_BASE + ((uid - SANDBOX_UID_BASE + 1) % SANDBOX_UID_RANGE);
      this.taken.add(uid);
      this.byFunction.set(functionId, uid);
    }
    return { uid, gid: uid };
  }
}

/** True when `uid` is one the sandbox gives functions (of this or any other emulator on the machine). */
export function isSandboxUid(uid: number): boolean {
  return uid >= SANDBOX_UID_BASE && uid < SANDBOX_UID_BASE + SANDBOX_UID_RANGE;
}
