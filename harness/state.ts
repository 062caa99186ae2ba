/**
 * The harness state file: one JSON document per stack holding, for every resource the engine manages, what the
 * next run diffs against (inputs, outputs, id, type, name, urn and the serialized provider). Written atomically
 * (temp file + fsync + rename) after every step, so a crash mid-run loses nothing done before it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StateCipher } from "./secrets";
import type { PropertyMap } from "./wire";

/** One managed resource, as the engine keeps it between runs. */
export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  id: string;
  /** Checked inputs, without `__provider`. */
  inputs: PropertyMap;
  /** Outputs, without `__provider`. */
  outputs: PropertyMap;
  /** The serialized provider that manages this resource (the one in its outputs): Diff, Read and Delete run it. */
  provider: string;
  /** Set when create/update failed after the resource was made (ErrorResourceInitFailed): the next run updates it. */
  initErrors?: string[];
  /** Top-level input/output keys holding secrets (secret inputs, additionalSecretOutputs): encrypted on disk. */
  secretKeys?: string[];
  /** Set on the old half of a create-before-delete replacement until its Delete has run. */
  pendingDelete?: boolean;
}

/** The whole state file. `resources` is in creation order; destroy walks it backwards. */
export interface StackState {
  version: 1;
  project: string;
  stack: string;
  resources: ResourceState[];
}

/** An empty state for a stack. */
export function emptyState(project: string, stack: string): StackState {
  return { version: 1, project, stack, resources: [] };
}

/** Reads the state file (decrypting secrets with `cipher`), or returns an empty state when it does not exist yet. */
export function loadState(file: string, project: string, stack: string, cipher?: StateCipher): StackState {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyState(project, stack);
    throw e;
  }
  const parsed = JSON.parse(text) as StackState;
  if (parsed.version !== 1 || !Array.isArray(parsed.resources)) {
    throw new Error(`${file} is not a harness state file (version 1)`);
  }
  return cipher ? mapSecrets(parsed, (v) => cipher.decrypt(v)) : parsed;
}

/**
 * Writes the state file atomically (a reader, or a crash, sees the old or the new document, never half), with
 * every value under a resource's `secretKeys` encrypted by `cipher`.
 */
export function saveState(file: string, state: StackState, cipher?: StateCipher): void {
  if (cipher) state = mapSecrets(state, (v) => cipher.encrypt(v));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(state, null, 2) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** A copy of the state with `f` applied to every secret value (the keys listed in `secretKeys`). */
function mapSecrets(state: StackState, f: (v: unknown) => unknown): StackState {
  const map = (props: PropertyMap, keys: string[]) =>
    Object.fromEntries(Object.entries(props).map(([k, v]) => [k, keys.includes(k) ? f(v) : v]));
  return {
    ...state,
    resources: state.resources.map((r) =>
      r.secretKeys?.length ? { ...r, inputs: map(r.inputs, r.secretKeys), outputs: map(r.outputs, r.secretKeys) } : r,
    ),
  };
}
