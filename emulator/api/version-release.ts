/**
 * What deleting a published version means for the things around it: refused while an alias routes to it,
 * and the triggers created on that version's URN go with it.
 */
import { assertVersionUnused } from "./routes-aliases";
import type { FunctionRecord } from "../store/records";

/** Checks `version` of `f` may be deleted and drops its triggers (the caller removes the version and commits). */
export function releaseVersion(f: FunctionRecord, version: string): void {
  assertVersionUnused(f, version);
  f.triggers = (f.triggers ?? []).filter((t) => t.qualifier !== version);
}
