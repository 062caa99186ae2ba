/**
 * `update`: `PUT …/code` only when the source changed (or the live code drifted), `PUT …/config` only when
 * settings differ, then a version when `publishVersion` and something changed. Always complete outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { normalizeUrn } from "../api";
import type { CheckedInputs } from "./inputs";
import { modelOutputs, outputsFrom, settingsOutputs, type FunctionOutputs } from "./outputs";
import { FunctionProgress } from "./progress";
import { clientFor, findFunction, packageFor, targetOf, uploadCode } from "./service-steps";
import { publish } from "./version-room";
import { applySettings } from "./dedicated-calls";
import { changedKeys, CODE_READ_KEYS } from "./settings";
import { DeletedOutsideError } from "./errors";

/**
 * `PUT …/code` only when the source changed (or the live code drifted), `PUT …/config` only when settings
 * differ, then a version when `publishVersion` and something changed. Always returns complete outputs.
 */
export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const old = olds as Partial<FunctionOutputs>;
  const inputs = news as unknown as CheckedInputs;
  const client = clientFor(targetOf(inputs));
  const report = new FunctionProgress(inputs.funcName);
  const urn = normalizeUrn(old.funcUrn ?? id);

  const live = await findFunction(client, urn);
  if (!live) {
    throw new DeletedOutsideError(`the function ${urn} no longer exists (deleted outside Pulumi); run \`pulumi refresh\` then \`pulumi up\` to create it again`);
  }
  const expected = old.expectedDigest ?? old.digest;
  const desired = settingsOutputs(inputs); // the inputs read into outputs once
  // Dependencies travel with the code (`PUT …/code` is the only call that carries them).
  const depsChanged = changedKeys(CODE_READ_KEYS, desired, modelOutputs(live)).length > 0;
  const codeChanged = old.sourceSha512 !== inputs.sourceSha512 || old.incomplete === true ||
    (expected !== undefined && live.digest !== expected) || depsChanged;
  let model = live;
  let packaged: Partial<FunctionOutputs> = { zipSha512: old.zipSha512 ?? "" };
  if (codeChanged) {
    const code = await packageFor(inputs, report);
    packaged = code.outputs;
    // Identical bytes are not uploaded again (e.g. an interrupted update that did land). If the service's
    // digest is not the zip's SHA512 [U], this always differs and the code is uploaded: the safe side.
    if (live.digest !== code.pkg.zipSha512 || depsChanged) {
      await uploadCode(client, urn, inputs, code, report);
      model = await client.getFunctionConfig(urn);
    }
  }
  const settings = await applySettings(client, urn, inputs, desired, model, old, report);
  model = settings.model;

  let version = "latest";
  if (inputs.publishVersion) {
    const previous = old.publishVersion && old.version && old.version !== "latest" ? old.version : undefined;
    version = codeChanged || settings.changed || !previous
      ? await publish(client, urn, model.digest ?? undefined, previous)
      : previous;
  }
  const outs = outputsFrom(model, desired, urn, { ...packaged, expectedDigest: model.digest ?? undefined, version, tags: settings.tags });
  return { outs };
}
