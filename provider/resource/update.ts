/**
 * `update`: `PUT …/code` only when the source changed (or the live code drifted), `PUT …/config` only when
 * settings differ, then a version when `publishVersion` and something changed. Always complete outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { normalizeUrn } from "../api";
import type { CheckedInputs } from "./inputs";
import { modelOutputs, settingsOutputs, type FunctionOutputs } from "./outputs";
import {
  clientFor, findFunction, outputsFrom, packagedOutputs, packageFor, targetOf, uploadCode,
} from "./service-steps";
import { publish } from "./version-room";
import { applyAsyncConfig, applyMaxInstances, applyReserved, applyTags } from "./dedicated-calls";
import { changedKeys, CODE_READ_KEYS, configUpdate } from "./settings";
import { DeletedOutsideError } from "./errors";

/**
 * `PUT …/code` only when the source changed (or the live code drifted), `PUT …/config` only when settings
 * differ, then a version when `publishVersion` and something changed. Always returns complete outputs.
 */
export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const old = olds as Partial<FunctionOutputs>;
  const inputs = news as unknown as CheckedInputs;
  const client = clientFor(targetOf(inputs));
  const urn = normalizeUrn(old.funcUrn ?? id);

  const live = await findFunction(client, urn);
  if (!live) {
    throw new DeletedOutsideError(`the function ${urn} no longer exists (deleted outside Pulumi); run \`pulumi refresh\` then \`pulumi up\` to create it again`);
  }
  const expected = old.expectedDigest ?? old.digest;
  // Dependencies travel with the code (`PUT …/code` is the only call that carries them).
  const depsChanged = changedKeys(CODE_READ_KEYS, settingsOutputs(inputs), modelOutputs(live)).length > 0;
  const codeChanged = old.sourceSha512 !== inputs.sourceSha512 || old.incomplete === true ||
    (expected !== undefined && live.digest !== expected) || depsChanged;
  let model = live;
  let zipSha512 = old.zipSha512;
  let packaged: Partial<FunctionOutputs> = {};
  if (codeChanged) {
    const pkg = await packageFor(inputs);
    zipSha512 = pkg.zipSha512;
    packaged = packagedOutputs(inputs, pkg);
    // Identical bytes are not uploaded again (e.g. an interrupted update that did land). If the service's
    // digest is not the zip's SHA512 [U], this always differs and the code is uploaded: the safe side.
    if (live.digest !== pkg.zipSha512 || depsChanged) {
      await uploadCode(client, urn, inputs, pkg);
      model = await client.getFunctionConfig(urn);
    }
  }
  const configRequest = configUpdate(inputs, model, old);
  const configChanged = configRequest !== undefined;
  if (configRequest) model = await client.updateFunctionConfig(urn, configRequest);
  const maxBefore = model;
  model = await applyMaxInstances(client, urn, inputs, model);
  const tags = await applyTags(client, urn, inputs.funcName, inputs.tags, old.tags);
  await applyAsyncConfig(client, urn, inputs, old.asyncConfig);
  await applyReserved(client, urn, inputs, old.reservedInstances);

  let version = "latest";
  if (inputs.publishVersion) {
    const previous = old.publishVersion && old.version && old.version !== "latest" ? old.version : undefined;
    version = codeChanged || configChanged || model !== maxBefore || !previous
      ? await publish(client, urn, model.digest ?? undefined, previous)
      : previous;
  }
  const outs = outputsFrom(inputs, model, { ...packaged, zipSha512: zipSha512 ?? "", expectedDigest: model.digest ?? undefined, version, tags });
  return { outs };
}
