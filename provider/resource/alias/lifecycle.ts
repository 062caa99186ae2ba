/**
 * The `Alias` resource's lifecycle, loaded by its shim in the plugin process. `check` validates the routing
 * with the service's rules and — when the function exists and the versions are known — that they are
 * published; `diff` replaces only on a new function or name; `update` is ONE `PUT` with the whole routing
 * (re-point, canary weights, rules, description), never delete + create.
 */
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import { routingProblems, type AliasModel, type UpdateAliasRequest } from "../../api/alias-schemas";
import type { CompanionClient } from "../../api/companion-client";
import { knownOutputsOf } from "../../api/property-derivations";
import {
  replacesAndChanges, checkResult, companionClient, dropUndefined, isAmbiguousFailure, isServiceError, isUnknown, isUnreachable, messageOf, parseInputs, progress,
  recordStackConfig, resolveTargetInto, type CheckFailure, type ConfigureRequest, type TargetFields,
} from "../companion/common";
import {
  ALIAS_PROPERTIES, ALIAS, ROUTING_KEYS, type AliasInputs, type AliasOutputs,
} from "./inputs";
import { AdoptRefusedError, DeletedOutsideError, NotCreatedError } from "../errors";

/** Records the stack config for this plugin process. */
export async function configure(req: ConfigureRequest): Promise<void> {
  recordStackConfig(req);
}

/** Versions the routing names that the function does not have (one GET; skipped when it cannot be known yet). */
async function missingVersions(inputs: Record<string, unknown>): Promise<CheckFailure[]> {
  const urn = String(inputs.functionUrn);
  let published: string[];
  try {
    const client = companionClient(inputs as TargetFields);
    published = (await client.listVersions(urn)).map((v) => String(v.version));
  } catch (err) {
    // An endpoint nobody answers on fails the preview (it names itself and the fix): a preview that passes must
    // have reached the service. The function is created by this deployment (404), or another failure: create will tell.
    if (isUnreachable(err)) throw err;
    if (!isServiceError(err, 404)) progress(`alias ${String(inputs.name)}: version check skipped: ${messageOf(err)}`);
    return [];
  }
  const have = new Set(["latest", ...published]);
  const hint = `published versions: ${[...have].join(", ")}`;
  const out: CheckFailure[] = [];
  if (!have.has(String(inputs.version))) out.push({ property: "version", reason: `the function has no version '${String(inputs.version)}' (${hint}); publish it first (Function publishVersion) or point at fn.version` });
  for (const key of ["additionalVersionWeights", "additionalVersionStrategy"] as const) {
    for (const v of Object.keys((inputs[key] as Record<string, unknown>) ?? {})) {
      if (!have.has(v)) out.push({ property: key, reason: `the function has no version '${v}' (${hint})` });
    }
  }
  return out;
}

/** Validates the arguments and the routing rules; checks the versions exist when they can be known. */
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const { inputs, unknown, failures } = parseInputs(ALIAS.fields, news);
  const known = (...k: string[]) => k.every((x) => !unknown.has(x) && !failures.some((f) => f.property === x));
  if (known("version", "additionalVersionWeights", "additionalVersionStrategy")) {
    for (const p of routingProblems(String(inputs.version), inputs.additionalVersionWeights as Record<string, number>, inputs.additionalVersionStrategy as Record<string, unknown>)) {
      failures.push({ property: p.path === "additional_version_weights" ? "additionalVersionWeights" : "additionalVersionStrategy", reason: p.message });
    }
  }
  if (typeof inputs.functionUrn === "string") inputs.functionUrn = inputs.functionUrn.replace(/:latest$/, "");
  resolveTargetInto(inputs, unknown, failures);
  if (failures.length === 0 && known("functionUrn", "version", "additionalVersionWeights", "additionalVersionStrategy", "region", "projectId", "endpoint")) {
    failures.push(...await missingVersions(inputs));
  }
  // Outputs known from the arguments (the alias URN), as the table's rows tell them; only with valid arguments.
  if (failures.length === 0) Object.assign(inputs, knownOutputsOf(ALIAS_PROPERTIES, inputs, isUnknown));
  return checkResult(inputs, failures);
}

/** The routing as the update call sends it (absent weights/strategy clear them). */
function routingBody(inputs: AliasInputs): UpdateAliasRequest {
  return {
    version: inputs.version, description: inputs.description,
    additional_version_weights: inputs.additionalVersionWeights, additional_version_strategy: inputs.additionalVersionStrategy,
  };
}

/** What the live alias differs in from the wanted routing. */
export function aliasDrift(wanted: Partial<AliasInputs>, live: AliasModel | undefined): string[] {
  if (!live) return ["deleted"];
  const got: Record<string, unknown> = {
    version: live.version, description: live.description ?? "",
    additionalVersionWeights: live.additional_version_weights ?? {}, additionalVersionStrategy: live.additional_version_strategy ?? {},
  };
  return ROUTING_KEYS.filter((k) => wanted[k] !== undefined && !isDeepStrictEqual(got[k], wanted[k]));
}

function outputsOf(inputs: AliasInputs, live: AliasModel): AliasOutputs {
  // `check` resolved the target: region and project are there.
  return dropUndefined({ ...inputs, aliasUrn: live.alias_urn, lastModified: live.last_modified ?? undefined }) as AliasOutputs;
}

/** Replaces on a new function or name; everything else is an in-place update. Drift by one GET. */
export async function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  const old = olds as Partial<AliasOutputs>;
  const { replaces, changes } = replacesAndChanges(olds, news, ALIAS.replaceKeys, ALIAS.inPlaceKeys);
  let gone = false;
  if (replaces.length === 0 && news.driftCheck !== false && old.functionUrn && old.name) {
    // A failed read fails the preview (as the Function's drift check, diff.ts).
    const client = companionClient({ ...old, endpoint: isUnknown(news.endpoint) ? undefined : news.endpoint as string | undefined });
    const drift = aliasDrift(old, await client.findAlias(old.functionUrn, old.name));
    if (drift.length > 0) {
      progress(`alias ${old.name}: changed outside Pulumi (${drift.join(", ")}); this update will restore it`);
      gone = drift.includes("deleted");
      if (gone) replaces.push("name");
      else changes.push("drift");
    }
  }
  return { changes: replaces.length > 0 || changes.length > 0, replaces,
    // Not forwarded by the plugin (3.276): `check` makes aliasUrn known in a preview; kept for one that does.
    stables: replaces.length > 0 ? [] : ALIAS.stableKeys,
    // A new name or function: the new alias is made first (no traffic gap). Re-creating one deleted outside
    // Pulumi: same name, so the (absent) old one is "deleted" first — after would delete the new one.
    deleteBeforeReplace: gone };
}

/** One PUT when the live routing differs from the wanted one. */
async function converge(client: CompanionClient, inputs: AliasInputs, live: AliasModel): Promise<AliasModel> {
  if (aliasDrift(inputs, live).length === 0) return live;
  return client.updateAlias(inputs.functionUrn, inputs.name, routingBody(inputs));
}

/** Creates the alias, adopting/recording an existing one (409) and looking before repeating a lost create. */
export async function create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = news as unknown as AliasInputs;
  const client = companionClient(inputs);
  let live: AliasModel;
  try {
    live = await client.createAlias(inputs.functionUrn, { name: inputs.name, ...routingBody(inputs) });
    progress(`alias ${inputs.name}: created → ${inputs.version}`);
  } catch (err) {
    if (!isServiceError(err, 409) && !isAmbiguousFailure(err)) throw err;
    const existing = await client.findAlias(inputs.functionUrn, inputs.name);
    if (!existing) throw isAmbiguousFailure(err) ? new NotCreatedError(`${messageOf(err)}; the alias does not exist, so nothing was created — run \`pulumi up\` again`, err) : err;
    const identical = aliasDrift(inputs, existing).length === 0;
    if (isServiceError(err, 409) && !inputs.adopt && !identical) {
      throw new AdoptRefusedError("name", `name: the function already has an alias '${inputs.name}' pointing elsewhere (${messageOf(err)}). Set \`adopt: true\` to take it over, or choose another name.`);
    }
    progress(`alias ${inputs.name}: ${identical ? "found it already as wanted; recording it" : "adopting the existing alias"}`);
    live = await converge(client, inputs, existing);
  }
  return { id: live.alias_urn, outs: outputsOf(inputs, live) };
}

/** Refresh: the live routing (gone when deleted outside Pulumi). */
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const old = props as Partial<AliasOutputs>;
  if (!old.functionUrn || !old.name) return { id, props };
  const live = await companionClient(old).findAlias(old.functionUrn, old.name);
  if (!live) return { id: "", props: {} };
  return {
    id: live.alias_urn,
    props: dropUndefined({
      ...old, version: live.version, description: live.description ?? "",
      additionalVersionWeights: live.additional_version_weights ?? {},
      additionalVersionStrategy: (live.additional_version_strategy ?? {}) as AliasOutputs["additionalVersionStrategy"],
      lastModified: live.last_modified ?? undefined,
    }),
  };
}

/** Exactly one `PUT` with the whole routing (nothing when only flags changed and the live alias is as wanted). */
export async function update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const inputs = news as unknown as AliasInputs;
  const old = _olds as Partial<AliasOutputs>;
  const client = companionClient(inputs);
  const routingChanged = ROUTING_KEYS.some((k) => !isDeepStrictEqual(inputs[k], old[k]));
  let live: AliasModel | undefined;
  if (routingChanged) {
    live = await client.updateAlias(inputs.functionUrn, inputs.name, routingBody(inputs));
  } else {
    // Flags changed, or drift: compare with the live alias first.
    const current = await client.findAlias(inputs.functionUrn, inputs.name);
    if (!current) throw new DeletedOutsideError(`the alias ${inputs.name} no longer exists (deleted outside Pulumi); run \`pulumi refresh\` then \`pulumi up\``);
    live = await converge(client, inputs, current);
  }
  progress(`alias ${inputs.name}: → ${inputs.version}${Object.keys(inputs.additionalVersionWeights).length ? ` (+${JSON.stringify(inputs.additionalVersionWeights)})` : ""}`);
  return { outs: outputsOf(inputs, live) };
}

/** Deletes the alias; an absent alias (or function) is already deleted. */
export async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
  const old = props as Partial<AliasOutputs>;
  if (!old.functionUrn || !old.name) return;
  await companionClient(old).deleteAlias(old.functionUrn, old.name);
  progress(`alias ${old.name}: deleted`);
}
