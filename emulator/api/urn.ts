/**
 * Function URNs: parsing the full (7/8-field) and short (1/2/3/4-field) forms accepted in paths, and building
 * the canonical ones the emulator returns. `latest` (or no version) addresses the head.
 */
import { Errors } from "../http/errors";

/** What a URN in a path names. `version` is undefined for the head (`latest`). */
export interface FunctionRef {
  package: string;
  name: string;
  version?: string;
  /** Set when the URN names an alias (`!alias`); the emulator has no aliases, so such refs resolve to 404. */
  alias?: string;
}

/** The identity of the emulated account that URNs are resolved against. */
export interface UrnScope {
  region: string;
  projectId: string;
}

/**
 * Parses a decoded URN. A URN naming another project or region is "not found" (404 FSS.1051), a malformed
 * one is 400 FSS.0400.
 */
export function parseUrn(urn: string, scope: UrnScope): FunctionRef {
  const f = urn.split(":");
  let project: string | undefined;
  let pkg: string;
  let name: string;
  let tail: string | undefined;
  if (f[0] === "urn") {
    if ((f.length !== 7 && f.length !== 8) || f[1] !== "fss" || f[4] !== "function") {
      throw Errors.badRequest(`invalid function urn '${urn}'`);
    }
    if (f[2] !== scope.region) throw Errors.functionNotFound(urn);
    [project, pkg, name, tail] = [f[3], f[5], f[6], f[7]];
  } else if (f.length === 1) {
    [pkg, name] = ["default", f[0]];
  } else if (f.length === 2) {
    [pkg, name] = [f[0], f[1]];
  } else if (f.length === 3 || f.length === 4) {
    [project, pkg, name, tail] = [f[0], f[1], f[2], f[3]];
  } else {
    throw Errors.badRequest(`invalid function urn '${urn}'`);
  }
  if (!pkg || !name || tail === "") throw Errors.badRequest(`invalid function urn '${urn}'`);
  if (project !== undefined && project !== scope.projectId) throw Errors.functionNotFound(urn);
  const ref: FunctionRef = { package: pkg, name };
  if (tail !== undefined && tail !== "latest") {
    if (tail.startsWith("!")) ref.alias = tail.slice(1);
    else ref.version = tail;
  }
  return ref;
}

/** `urn:fss:<region>:<project>:function:<package>:<name>` plus `:<version>` when given. */
export function buildUrn(scope: UrnScope, pkg: string, name: string, version?: string): string {
  const base = `urn:fss:${scope.region}:${scope.projectId}:function:${pkg}:${name}`;
  return version === undefined ? base : `${base}:${version}`;
}

