/**
 * Publishing a version (`Function.publishVersion`) within the service's version limit (20 per function,
 * `latest` included): when a publish is refused for the limit, the oldest published version that no alias
 * uses (neither as its version nor for weights or rules) and that is not the resource's current one is
 * deleted, and the publish is tried again. Costs nothing until the limit is reached.
 */
import type { FunctionGraphClient, FunctionModel } from "../api";
import { CompanionClient } from "../api/companion-client";
import { dropUndefined } from "./outputs";
import { progress } from "./progress";
import { isServiceError } from "./service-steps";
import { NoVersionRoomError } from "./errors";

/** Most versions deleted to make room for one publish (a refusal for another reason stops earlier). */
const MAX_PRUNES = 5;

/** A refusal because the function has as many versions as the service allows. */
function isVersionQuota(err: unknown): boolean {
  return isServiceError(err, 403) && /version/i.test(String((err as { errorMsg?: string }).errorMsg ?? ""));
}

/** Versions an alias of the function routes to. */
async function aliasedVersions(client: FunctionGraphClient, urn: string): Promise<Set<string>> {
  // The aliases call lives on the companion client; it only needs the signing/retrying `call` both share.
  const aliases = await CompanionClient.prototype.listAliases.call(client as CompanionClient, urn);
  return new Set(aliases.flatMap((a) => [a.version, ...Object.keys(a.additional_version_weights ?? {}), ...Object.keys(a.additional_version_strategy ?? {})]));
}

/** The oldest published version that may go, or undefined. */
async function prunable(client: FunctionGraphClient, urn: string, keep: string | undefined): Promise<string | undefined> {
  const used = await aliasedVersions(client, urn);
  const candidates = (await client.listVersions(urn))
    .map((v) => ({ name: String(v.version ?? ""), at: String(v.last_modified ?? "") }))
    .filter((v) => v.name && v.name !== "latest" && v.name !== keep && !used.has(v.name))
    .sort((a, b) => a.at.localeCompare(b.at));
  return candidates[0]?.name;
}

/**
 * Runs `publishOnce`; when the service refuses for the version limit, deletes the oldest version nobody uses
 * (never `keep`, never one an alias uses) and tries again.
 */
export async function withVersionRoom(
  client: FunctionGraphClient, urn: string, keep: string | undefined, publishOnce: () => Promise<FunctionModel>,
): Promise<FunctionModel> {
  for (let pruned = 0; ; pruned++) {
    try {
      return await publishOnce();
    } catch (err) {
      if (!isVersionQuota(err) || pruned >= MAX_PRUNES) throw err;
      const victim = await prunable(client, urn, keep);
      if (!victim) throw new NoVersionRoomError(`${(err as Error).message}; every published version is in use by an alias or is the current one, so none was deleted to make room`, err);
      await client.deleteFunction(`${urn}:${victim}`);
      progress(`${urn.split(":").pop()}: deleted the oldest unused version ${victim} to stay within the version limit`);
    }
  }
}

/**
 * Publishes a version. "Nothing changed since the last publication" (FSS.1016) keeps the last one: the
 * recorded `previous`, or — after a publish whose answer was lost — the newest version the service lists.
 */
export async function publish(client: FunctionGraphClient, urn: string, digest: string | undefined, previous?: string): Promise<string> {
  try {
    const v = await withVersionRoom(client, urn, previous, () => client.publishVersion(urn, dropUndefined({ digest })));
    progress(`published version ${v.version}`);
    return v.version ?? previous ?? "latest";
  } catch (err) {
    // FSS.1016: nothing changed since the last publication. FSS.1062 for a name we did not choose: the
    // service generated the name of a version that already exists — the same situation, within a second.
    if (!isServiceError(err, 400, "FSS.1016") && !isServiceError(err, 409, "FSS.1062")) throw err;
    if (previous) return previous;
    const published = (await client.listVersions(urn)).filter((v) => v.version && v.version !== "latest");
    const newest = published.sort((a, b) => String(a.last_modified).localeCompare(String(b.last_modified))).pop();
    return newest?.version ?? "latest";
  }
}
