/**
 * Resolves the function URN of a trigger or alias call to the stored function and its qualifier: the head
 * (`latest`), a published version, or an alias (`!name`) — each must exist.
 */
import type { EmulatorContext } from "../context";
import { CompanionErrors } from "./companion-errors";
import { Errors } from "../http/errors";
import type { FunctionRecord } from "../store/records";
import { parseUrn } from "./urn";

/** A function and the qualifier its URN named. */
export interface QualifiedFunction {
  f: FunctionRecord;
  /** `latest`, a version name, or `!<alias>`. */
  qualifier: string;
}

/** The function a URN names (404 FSS.1051 when absent, FSS.1052/1053 for a missing version/alias). */
export function lookupFunction(ctx: EmulatorContext, urn: string | undefined): QualifiedFunction {
  const ref = parseUrn(urn ?? "", ctx.scope);
  const f = ctx.store.get(ref.package, ref.name);
  if (!f) throw Errors.functionNotFound(urn ?? "");
  if (ref.alias !== undefined) {
    if (!(f.aliases ?? []).some((a) => a.name === ref.alias)) throw CompanionErrors.aliasNotFound(ref.alias);
    return { f, qualifier: `!${ref.alias}` };
  }
  if (ref.version !== undefined) {
    if (!f.versions.some((v) => v.version === ref.version)) throw CompanionErrors.versionNotFound(ref.version);
    return { f, qualifier: ref.version };
  }
  return { f, qualifier: "latest" };
}

/** True when `version` is `latest` or a published version of `f`. */
export function versionExists(f: FunctionRecord, version: string): boolean {
  return version === "latest" || f.versions.some((v) => v.version === version);
}
