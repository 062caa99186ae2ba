/**
 * Which code an invocation runs: the function named by the URN, and for a qualified URN the published version
 * (`…:<version>`) or the version an alias points at (`…:!<alias>`, with its additional-version weights).
 */
import type { EmulatorContext } from "../context";
import { ApiError, Errors } from "../http/errors";
import type { FunctionConfig, FunctionRecord } from "../store/records";
import { parseUrn } from "../api/urn";

/** What to run: config and code digest of one version of one function. */
export interface InvokeTarget {
  f: FunctionRecord;
  /** `latest` or the published version's name. */
  version: string;
  config: FunctionConfig;
  digest: string;
  /** The alias the call came through. */
  alias?: string;
}

/** The routing of an alias as this file needs it. */
export interface AliasRouting {
  version: string;
  /** Other versions and the percentage of calls each gets (the rest go to `version`). */
  weights: Record<string, number>;
}

/** 404 FSS.1053: the alias does not exist. */
const aliasNotFound = (urn: string) => new ApiError(404, "FSS.1053", `Not found the alias: ${urn}`);
/** 404 FSS.1052: the version does not exist. */
const versionNotFound = (urn: string) => new ApiError(404, "FSS.1052", `Not found the version: ${urn}`);

/**
 * The alias `name` of `f`, if the store keeps aliases (they are added by the aliases work: a record field
 * `aliases` of `{name, version, additional_version_weights}`); undefined otherwise. The one place that knows
 * how aliases are stored.
 */
export function lookupAlias(f: FunctionRecord, name: string): AliasRouting | undefined {
  const aliases = (f as unknown as { aliases?: unknown }).aliases;
  const list = Array.isArray(aliases) ? aliases : aliases && typeof aliases === "object" ? Object.values(aliases) : [];
  for (const a of list as Array<Record<string, unknown>>) {
    if (a && a.name === name && typeof a.version === "string") {
      const w = (a.additional_version_weights ?? a.additionalVersionWeights ?? {}) as Record<string, unknown>;
      const weights = Object.fromEntries(Object.entries(w).filter(([, v]) => typeof v === "number")) as Record<string, number>;
      return { version: a.version, weights };
    }
  }
  return undefined;
}

/** Picks the version of one call through an alias: each additional version with its weight in percent. */
export function pickAliasVersion(routing: AliasRouting, random: () => number = Math.random): string {
  let roll = random() * 100;
  for (const [version, weight] of Object.entries(routing.weights)) {
    if (roll < weight) return version;
    roll -= weight;
  }
  return routing.version;
}

/** Resolves the URN of an invocation (404 FSS.1051/1052/1053 when the function/version/alias is absent). */
export function resolveTarget(ctx: EmulatorContext, urn: string): InvokeTarget {
  const ref = parseUrn(urn, ctx.scope);
  const f = ctx.store.get(ref.package, ref.name);
  if (!f) throw Errors.functionNotFound(urn);
  let version = ref.version;
  let alias: string | undefined;
  if (ref.alias !== undefined) {
    const routing = lookupAlias(f, ref.alias);
    if (!routing) throw aliasNotFound(urn);
    alias = ref.alias;
    version = pickAliasVersion(routing);
  }
  if (version === undefined || version === "latest") return { f, version: "latest", config: f.config, digest: f.digest, alias };
  const v = f.versions.find((x) => x.version === version);
  if (!v) throw versionNotFound(urn);
  return { f, version: v.version, config: v.config, digest: v.digest, alias };
}
