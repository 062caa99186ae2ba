/**
 * The resource's outputs: the service's function model in camelCase, plus what the provider itself tracks
 * (`sourceSha512`, `zipSha512`, `fileCount`, `expectedDigest`) and the identity/settings `diff` compares
 * against (`diff` receives the OLD OUTPUTS, not the old inputs).
 */
import { normalizeUrn, type FunctionModel } from "../api";
import type { FunctionInputs } from "./inputs";

/** Output keys the `Function` class declares (each passed as `undefined` in its props). */
export const OUTPUT_KEYS = [
  "funcUrn", "funcName", "package", "runtime", "handler", "memorySize", "timeout", "cpu", "codeType",
  "codeFilename", "codeSize", "digest", "version", "imageName", "lastModified", "namespace", "projectName",
  "domainId", "description", "environment", "sourceSha512", "zipSha512", "fileCount", "expectedDigest",
  "region", "projectId", "endpoint", "publishVersion", "driftCheck", "incomplete",
] as const;

/** The outputs as stored in state. */
export interface FunctionOutputs {
  funcUrn: string;
  funcName: string;
  package: string;
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  cpu?: number;
  codeType?: string;
  codeFilename?: string;
  codeSize?: number;
  /** The live `digest` last seen (after a refresh this may differ from `expectedDigest`: drift). */
  digest?: string;
  /** `latest`, or the version published by this resource when `publishVersion`. */
  version: string;
  imageName?: string;
  lastModified?: string;
  namespace?: string;
  projectName?: string;
  domainId?: string;
  description: string;
  environment: Record<string, string>;
  sourceSha512: string;
  zipSha512: string;
  fileCount: number;
  /** The `digest` the service gave for the code this resource uploaded: drift is `digest !== expectedDigest`. */
  expectedDigest?: string;
  region: string;
  projectId: string;
  /** The resource's own `endpoint` argument, when given: refresh and delete only see the outputs. */
  endpoint?: string;
  publishVersion: boolean;
  driftCheck: boolean;
  /** Set on a partially created resource: the next `up` finishes it instead of importing again. */
  incomplete?: boolean;
}

/** Parses the service's `user_data` JSON string into an env map (empty when absent or not an object). */
export function parseUserData(userData: string | null | undefined): Record<string, string> {
  if (!userData) return {};
  try {
    const parsed: unknown = JSON.parse(userData);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // not JSON: the service stores what it was given; report nothing rather than guess
  }
  return {};
}

/** The model's fields as outputs (only those the service returned; `undefined` keys are dropped). */
export function modelOutputs(model: FunctionModel): Partial<FunctionOutputs> {
  return dropUndefined({
    funcUrn: normalizeUrn(model.func_urn),
    funcName: model.func_name,
    package: model.package ?? undefined,
    runtime: model.runtime,
    handler: model.handler,
    memorySize: model.memory_size,
    timeout: model.timeout,
    cpu: model.cpu ?? undefined,
    codeType: model.code_type ?? undefined,
    codeFilename: model.code_filename ?? undefined,
    codeSize: model.code_size ?? undefined,
    digest: model.digest ?? undefined,
    imageName: model.image_name ?? undefined,
    lastModified: model.last_modified ?? undefined,
    namespace: model.namespace ?? undefined,
    projectName: model.project_name ?? undefined,
    domainId: model.domain_id ?? undefined,
    description: model.description ?? "",
    environment: parseUserData(model.user_data),
  });
}

/** The settings part of the outputs, from checked inputs (what the resource asked for). */
export function settingsOutputs(inputs: FunctionInputs & TrackedInputs): Partial<FunctionOutputs> {
  return dropUndefined({
    funcName: inputs.funcName,
    package: inputs.package,
    runtime: inputs.runtime,
    handler: inputs.handler,
    memorySize: inputs.memorySize,
    timeout: inputs.timeout,
    description: inputs.description ?? "",
    environment: inputs.environment ?? {},
    sourceSha512: inputs.sourceSha512,
    fileCount: inputs.fileCount,
    region: inputs.region,
    projectId: inputs.projectId,
    endpoint: inputs.endpoint,
    publishVersion: inputs.publishVersion,
    driftCheck: inputs.driftCheck,
  });
}

/** Inputs `check` computes on top of the user's arguments (visible in the preview). */
export interface TrackedInputs {
  /** The diff key: SHA512 of the source manifest (see provider/package). */
  sourceSha512: string;
  fileCount: number;
  /** Total uncompressed bytes of the included files. */
  sourceBytes: number;
  /** Compact fingerprint of the file list (see source-changes.ts). */
  sourceFingerprint: string;
  /** What changed since the last deployment, for the preview; absent when nothing did. */
  sourceChanges?: string;
}

/** A copy without `undefined` values (protobuf Structs cannot carry them). */
export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
