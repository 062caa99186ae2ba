/**
 * The resource's outputs, derived from the property table: the service's function model in camelCase (each
 * row's `model` field through its `fromApi`), the arguments as recorded, and what the provider tracks
 * (`sourceSha512`, `zipSha512`, `fileCount`, `expectedDigest`). `diff` receives the OLD OUTPUTS, not the old
 * inputs, so everything it compares is an output.
 */
import type { FunctionModel } from "../api";
import { jsonToMap } from "../api/function-properties";
import {
  ARG_NAMES, modelValues, OUTPUT_NAMES, row, type FunctionOutputValues, type OutputName,
} from "../api/property-derivations";
import type { FunctionInputs } from "./inputs";

/** Output keys the `Function` class declares (each passed as `undefined` in its props), from the table. */
export const OUTPUT_KEYS: readonly OutputName[] = OUTPUT_NAMES;

/** The outputs as stored in state (types from the table). */
export type FunctionOutputs = FunctionOutputValues;

/** Parses the service's `user_data` JSON string into an env map (empty when absent or not an object). */
export function parseUserData(userData: string | null | undefined): Record<string, string> {
  return jsonToMap(userData);
}

/** Models already read into argument form (a model object is never changed once received). */
const READ = new WeakMap<FunctionModel, Partial<FunctionOutputs>>();

/**
 * The model's fields as outputs (only those the service returned; `undefined` keys are dropped). Read once per
 * model: the steps of one create or update that look at the same model share the result (a copy each).
 */
export function modelOutputs(model: FunctionModel): Partial<FunctionOutputs> {
  let read = READ.get(model);
  if (!read) READ.set(model, read = modelValues(model) as Partial<FunctionOutputs>);
  return { ...read };
}

/** The arguments recorded as outputs, with their rows (read once, when the module loads). */
const RECORDED_ARGS = ARG_NAMES.filter((n) => (OUTPUT_NAMES as readonly string[]).includes(n)).map((n) => [n, row(n)] as const);

/** The arguments part of the outputs, from checked inputs (what the resource asked for). */
export function settingsOutputs(inputs: FunctionInputs & TrackedInputs): Partial<FunctionOutputs> {
  const out: Record<string, unknown> = {};
  const values = inputs as unknown as Record<string, unknown>;
  for (const [name, r] of RECORDED_ARGS) {
    out[name] = values[name] === undefined && r.always ? r.unset : values[name];
  }
  out.sourceSha512 = inputs.sourceSha512;
  out.fileCount = inputs.fileCount;
  return dropUndefined(out) as Partial<FunctionOutputs>;
}

/**
 * Complete outputs: the model's fields (read once per model), the desired settings (`settingsOutputs`, computed
 * once per operation), the function's URN, and what the step adds.
 */
export function outputsFrom(
  model: FunctionModel, desired: Partial<FunctionOutputs>, funcUrn: string, extra: Partial<FunctionOutputs>,
): FunctionOutputs {
  return dropUndefined({ ...modelOutputs(model), ...desired, funcUrn, version: "latest", ...extra }) as FunctionOutputs;
}

/** Inputs `check` computes on top of the user's arguments (visible in the preview). */
export interface TrackedInputs {
  /**
   * The diff key: SHA512 of the source manifest (see provider/package); "custom-image" for a custom image. Absent
   * after a create's check (it lists, never hashes): the create records the hash its packaging computed.
   */
  sourceSha512?: string;
  fileCount: number;
  /** Total uncompressed bytes of the included files. */
  sourceBytes: number;
  /**
   * Compact fingerprint of the file list (see source-changes.ts); `__` keeps it out of the engine's diff display.
   * Absent after a create's check, like `sourceSha512`.
   */
  __sourceFingerprint?: string;
  /** What changed since the last deployment, for the preview; absent when nothing did. */
  sourceChanges?: string;
}

/** A copy without `undefined` values (protobuf Structs cannot carry them). */
export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
