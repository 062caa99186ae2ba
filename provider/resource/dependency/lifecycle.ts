/**
 * The `Dependency` resource's lifecycle, loaded by its shim in the plugin process. `check` hashes the source
 * (never zips) for the diff key; `diff` asks for a new version — a replacement, new id — only when the content,
 * runtime, name or description changed, so an unchanged stack makes no call but the optional drift GET;
 * `create` packages deterministically and creates the version (looking before repeating after a lost
 * answer); `delete` removes the version unless a function still uses it.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { CompanionClient } from "../../api/companion-client";
import type { DependencyVersionModel } from "../../api/dependency-schemas";
import { hashSource, isPackagingError, packageSource } from "../../package";
import {
  replacesAndChanges, checkResult, companionClient, countOf, dropUndefined, elapsed, formatBytes, isAmbiguousFailure, isServiceError, isUnknown, messageOf,
  hashCacheSetting, parseInputs, progress, recordStackConfig, resolveTargetInto, sourcePath, UNKNOWN, type ConfigureRequest,
} from "../companion/common";
import { packagingLimiter } from "../limiter";
import { codeUploadLimit } from "../preflight";
import {
  DEPENDENCY, IN_PLACE_KEYS, VERSION_KEYS, type DependencyInputs, type DependencyOutputs,
} from "./inputs";
import { InvalidInputError, NotCreatedError } from "../errors";

/** Records the stack config for this plugin process. */
export async function configure(req: ConfigureRequest): Promise<void> {
  recordStackConfig(req);
}

/** Validates the arguments and computes the diff key (`sourceSha512`) with the hash cache. */
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const { inputs, unknown, failures } = parseInputs(DEPENDENCY.fields, news);
  resolveTargetInto(inputs, unknown, failures);
  const sourceKeys = ["sourceDir", "exclude", "useIgnoreFiles"];
  if (sourceKeys.some((k) => unknown.has(k))) {
    Object.assign(inputs, { sourceSha512: UNKNOWN, fileCount: UNKNOWN });
  } else if (typeof inputs.sourceDir === "string" && !failures.some((f) => sourceKeys.includes(f.property))) {
    try {
      const hash = await hashSource(sourcePath(inputs.sourceDir), {
        exclude: inputs.exclude as string[] | undefined, useIgnoreFiles: inputs.useIgnoreFiles as boolean,
        hashCache: hashCacheSetting(),
      });
      Object.assign(inputs, { sourceSha512: hash.sourceSha512, fileCount: hash.files.length });
    } catch (err) {
      const property = isPackagingError(err) && err.code === "EMPTY_AFTER_EXCLUDES" && inputs.exclude ? "exclude" : "sourceDir";
      failures.push({ property, reason: messageOf(err) });
    }
  }
  return checkResult(inputs, failures);
}

/** A new version (replacement) when content, runtime, name or description changed; drift: the version is gone. */
export async function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  const old = olds as Partial<DependencyOutputs>;
  // A change of the source options or `driftCheck` alone is no change (inputs.ts): the engine records the new
  // inputs and keeps the outputs, so the version's id stays known in a preview and a Function using it does not
  // preview an update that `up` would not make.
  const { replaces, changes } = replacesAndChanges(olds, news, VERSION_KEYS, IN_PLACE_KEYS);
  if (replaces.length === 0 && news.driftCheck !== false && old.dependencyId && old.version !== undefined) {
    // A failed read fails the preview (as the Function's drift check, diff.ts).
    const client = companionClient({ ...old, endpoint: isUnknown(news.endpoint) ? undefined : news.endpoint as string | undefined });
    if (!(await client.findDependencyVersion(old.dependencyId, old.version))) {
      progress(`dependency ${old.name} version ${old.version}: deleted outside Pulumi; this update will create it again`);
      replaces.push("sourceSha512");
    }
  }
  return {
    changes: replaces.length > 0 || changes.length > 0, replaces, deleteBeforeReplace: false,
    // Not forwarded by the plugin (3.276); kept for one that does. An update only records the endpoint.
    stables: replaces.length > 0 ? [] : DEPENDENCY.stableKeys,
  };
}

function outputsOf(inputs: DependencyInputs, live: DependencyVersionModel, zipSha512: string): DependencyOutputs {
  return dropUndefined({
    ...inputs,
    dependencyId: live.dep_id ?? "",
    version: live.version,
    size: live.size ?? 0,
    etag: live.etag ?? "",
    zipSha512,
    lastModified: live.last_modified ?? undefined,
  }) as DependencyOutputs; // `check` resolved the target: region and project are there
}

/** The version of the named dependency holding exactly this zip and runtime (after a lost create answer). */
async function findVersionOf(client: CompanionClient, inputs: DependencyInputs, etag: string): Promise<DependencyVersionModel | undefined> {
  for (const dep of await client.listDependencies({ name: inputs.name })) {
    if (dep.name !== inputs.name) continue;
    const match = (await client.listDependencyVersions(dep.id)).filter((v) => v.etag === etag && v.runtime === inputs.runtime).pop();
    if (match) return { ...match, dep_id: match.dep_id ?? dep.id };
  }
  return undefined;
}

/** Packages the directory and creates a dependency version from it. */
export async function create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = news as unknown as DependencyInputs;
  const client = companionClient(inputs);
  const start = performance.now();
  const pkg = await packagingLimiter.run(() => packageSource(sourcePath(inputs.sourceDir), {
    exclude: inputs.exclude, useIgnoreFiles: inputs.useIgnoreFiles, hashCache: hashCacheSetting(),
  }));
  if (pkg.cacheNotice) progress(`dependency ${inputs.name}: ${pkg.cacheNotice}`);
  progress(`dependency ${inputs.name}: packaged ${countOf(pkg.files.length, "file")} into a ${formatBytes(pkg.size)} zip in ${elapsed(start)}`);
  if (pkg.size > codeUploadLimit()) {
    throw new InvalidInputError("sourceDir", `sourceDir: the dependency zip is ${formatBytes(pkg.size)}, over the ${formatBytes(codeUploadLimit())} the API accepts inline; exclude what is not needed (exclude, .fgsignore)`);
  }
  const etag = createHash("md5").update(pkg.zip).digest("hex");
  let live: DependencyVersionModel;
  try {
    live = await client.createDependencyVersion({
      depend_type: "zip", depend_file: pkg.zip.toString("base64"), runtime: inputs.runtime as DependencyInputs["runtime"] & never,
      name: inputs.name, description: inputs.description,
    });
    progress(`dependency ${inputs.name}: created version ${live.version}`);
  } catch (err) {
    if (!isAmbiguousFailure(err)) throw err;
    const found = await findVersionOf(client, inputs, etag);
    if (!found) throw new NotCreatedError(`${messageOf(err)}; no version with this content exists, so nothing was created — run \`pulumi up\` again`, err);
    progress(`dependency ${inputs.name}: the create's answer was lost but version ${found.version} holds this content; recording it`);
    live = found;
  }
  const outs = outputsOf({ ...inputs, sourceSha512: pkg.sourceSha512, fileCount: pkg.files.length }, live, pkg.zipSha512);
  return { id: live.id, outs };
}

/** Refresh: the live version (gone when deleted outside Pulumi). */
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const old = props as Partial<DependencyOutputs>;
  if (!old.dependencyId || old.version === undefined) return { id, props };
  const live = await companionClient(old).findDependencyVersion(old.dependencyId, old.version);
  if (!live) return { id: "", props: {} };
  return { id: live.id, props: dropUndefined({ ...old, size: live.size ?? old.size, etag: live.etag ?? old.etag, lastModified: live.last_modified ?? undefined }) };
}

/** Only flags and the endpoint change in place: no call. */
export async function update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const old = olds as Partial<DependencyOutputs>;
  const inputs = news as unknown as DependencyInputs;
  return { outs: { ...old, ...inputs } };
}

/** Deletes the version unless a function still uses it (then it is kept, and said so). */
export async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  const old = props as Partial<DependencyOutputs>;
  if (!old.dependencyId || old.version === undefined) return;
  const client = companionClient(old);
  const live = await client.findDependencyVersion(old.dependencyId, old.version);
  if (!live || live.id !== id) return; // already deleted (a number is addressed, the id is what we own)
  const users = (await client.listFunctions()).filter((f) => (f.depend_version_list ?? []).includes(id)).map((f) => f.func_name);
  if (users.length > 0) {
    progress(`dependency ${old.name} version ${old.version}: kept, still used by ${users.join(", ")}`);
    return;
  }
  try {
    await client.deleteDependencyVersion(old.dependencyId, old.version);
    progress(`dependency ${old.name} version ${old.version}: deleted`);
  } catch (err) {
    // In use by a published function version (not in the list above): the service refuses; keep it.
    if (!isServiceError(err, 409)) throw err;
    progress(`dependency ${old.name} version ${old.version}: kept, ${messageOf(err)}`);
  }
}
