/**
 * `diff`: replaces on identity changes (create before delete when the name changes); changes when the source
 * hash or a setting differs; with `driftCheck`, one GET compares the live function with the recorded one.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FunctionModel } from "../api";
import { isUnknown } from "./defaults";
import { modelOutputs, type FunctionOutputs } from "./outputs";
import { progress } from "./progress";
import { clientFor, findFunction, targetOf } from "./service-steps";
import { comparable, STABLE_NAMES } from "../api/property-derivations";
import { dedicatedDrift, tagsManaged } from "./dedicated-calls";
import { changedKeys, DRIFT_KEYS, REPLACE_KEYS, sameSetting, SETTING_KEYS } from "./settings";

/**
 * What differs between the recorded outputs and the checked inputs (`changes`, `replaces`), and the settings
 * known and equal to the recorded ones (`same`, for the stables) — each setting compared once.
 */
function plannedChanges(recorded: Partial<FunctionOutputs>, news: Record<string, unknown>): { replaces: string[]; changes: string[]; same: string[] } {
  const olds = recorded as Record<string, unknown>;
  const replaces: string[] = [];
  const changes: string[] = [];
  const same: string[] = [];
  for (const key of REPLACE_KEYS) {
    // Not known in this preview: it is computed from a resource that changes, so it most likely changes too —
    // show the replacement `up` will make rather than an update (Terraform-bridged providers do the same).
    if (isUnknown(news[key])) (olds[key] !== undefined ? replaces : changes).push(key);
    else if (olds[key] !== undefined && news[key] !== undefined && olds[key] !== news[key]) replaces.push(key);
  }
  for (const key of SETTING_KEYS) {
    if (isUnknown(news[key])) {
      changes.push(key);
      continue;
    }
    const equal = sameSetting(key, news[key], olds[key]);
    if (equal) same.push(key);
    else if (comparable(key, news[key])) changes.push(key);
  }
  if (isUnknown(news.sourceSha512) || (news.sourceSha512 !== olds.sourceSha512 && !unhashedCreateInputs(news))) changes.push("sourceSha512");
  // Both ways: turning it off must rewrite `version` to `latest` (and the recorded flag), which only an update does.
  if (isUnknown(news.publishVersion) || (news.publishVersion === true) !== (olds.publishVersion === true)) changes.push("publishVersion");
  // A resource-level endpoint is recorded in the outputs: refresh and delete only get the outputs.
  if (isUnknown(news.endpoint) || (news.endpoint ?? undefined) !== (olds.endpoint ?? undefined)) changes.push("endpoint");
  if (recorded.incomplete) changes.push("incomplete");
  return { replaces, changes, same };
}

/**
 * Inputs a create's check recorded: a `sourceDir` listed, never hashed (check.ts), so no `sourceSha512`. An
 * `up` never diffs them (its check has previous inputs and hashes); a refresh does — it diffs the refreshed
 * outputs against the recorded inputs — and the deployed hash in the outputs is then the only one there is.
 */
function unhashedCreateInputs(news: Record<string, unknown>): boolean {
  return news.sourceSha512 === undefined && typeof news.sourceDir === "string";
}

/**
 * The outputs an in-place update leaves as they are: the table's stable outputs, the settings whose new value is
 * known and equal to the recorded one (`same`, from plannedChanges), and `version` when no version is published.
 */
function stableOutputs(news: Record<string, unknown>, same: string[]): string[] {
  const version = news.publishVersion === false ? ["version"] : [];
  return [...STABLE_NAMES, ...same, ...version].sort();
}

/** What the live function differs in from the recorded outputs: `code`, settings, or `deleted`. */
export function driftOf(
  olds: Partial<FunctionOutputs>, live: FunctionModel | undefined, liveTags?: Record<string, string>, desired?: Record<string, unknown>,
): string[] {
  if (!live) return ["deleted"];
  const drift: string[] = [];
  const expected = olds.expectedDigest ?? olds.digest;
  if (expected && live.digest && live.digest !== expected) drift.push("code");
  // Compared: what the resource has an opinion on — given now, or with a known "not set" value (with the
  // desired inputs at hand), else what it recorded (refresh). A setting nobody set is never drift.
  const keys = DRIFT_KEYS.filter((k) => desired ? comparable(k, desired[k]) : (olds as Record<string, unknown>)[k] !== undefined);
  drift.push(...changedKeys(keys, olds, modelOutputs(live)));
  if (liveTags !== undefined) drift.push(...changedKeys(["tags"], olds, { tags: liveTags }));
  return drift;
}

/**
 * Whether the replacement would take the same name in the same project: only then must the old function go
 * first (names are unique). A new name is created before the old one is deleted, so traffic never drops.
 * An identity key not known yet counts as the same (the safe order).
 */
const IDENTITY_KEYS = ["funcName", "package", "region", "projectId"] as const;

function sameIdentity(olds: Partial<FunctionOutputs>, news: Record<string, unknown>): boolean {
  return IDENTITY_KEYS.every((k) => isUnknown(news[k]) || news[k] === undefined || olds[k] === undefined || news[k] === olds[k]);
}

/**
 * Replaces on identity changes (create before delete unless the name stays: see sameIdentity); changes when the
 * source hash or a setting differs. With `driftCheck`, one GET compares the live function with the recorded one.
 */
export async function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  const old = olds as Partial<FunctionOutputs>;
  const { replaces, changes, same } = plannedChanges(old, news);
  // Drift recorded by a refresh (digest read back differs from ours) is a change by itself.
  if (old.expectedDigest && old.digest && old.digest !== old.expectedDigest) changes.push("digest");
  if (replaces.length === 0 && news.driftCheck !== false && !isUnknown(news.driftCheck) && id && !old.incomplete) {
    // A failed read fails the preview (an unreachable endpoint names itself and the fix): a preview that could
    // not look at the function must not report "no changes". `driftCheck: false` is the way to skip it.
    const client = clientFor(targetOf({ ...old, endpoint: isUnknown(news.endpoint) ? undefined : news.endpoint as string | undefined }));
    const urn = old.funcUrn ?? id;
    const live = await findFunction(client, urn);
    // Tags live behind their own API: one more GET, only for a resource that manages tags.
    const tagged = live && !isUnknown(news.tags) && tagsManaged(news.tags as Record<string, string> | undefined, old.tags);
    const drift = driftOf(old, live, tagged ? await client.listTags(urn) : undefined, news);
    if (live) drift.push(...await dedicatedDrift(client, urn, news, old));
    if (drift.length > 0) {
      progress(`${old.funcName}: changed outside Pulumi (${drift.join(", ")}); this update will restore it`);
      if (drift.includes("deleted")) replaces.push("funcName");
      else changes.push("drift");
    }
  }
  return {
    changes: replaces.length > 0 || changes.length > 0,
    replaces,
    // Documented by the dynamic-provider interface, but the plugin (3.276) does not forward `stables` and the
    // engine does not use them: what makes these outputs known in a preview is `check` recording them (see
    // PropertyRow.known). Kept so a plugin that forwards them gets them right.
    stables: replaces.length > 0 ? [] : stableOutputs(news, same),
    deleteBeforeReplace: replaces.length > 0 && sameIdentity(old, news),
  };
}
