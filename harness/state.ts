/**
 * The stack's state: Pulumi's own checkpoint in a file backend (checkpoint.ts), read into the harness's view —
 * for every dynamic resource what the next run diffs against (inputs, outputs, id, type, name, urn and the
 * serialized provider) — and written back the way the CLI writes it, so the harness and the CLI share one state.
 * Entries the harness does not manage (the Stack, the default provider, component resources) are carried
 * through untouched. Written atomically after every step, so a crash mid-run loses nothing done before it.
 */
import * as crypto from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { readCheckpoint, writeCheckpoint, type CheckpointFile, type CheckpointResource } from "./checkpoint";
import type { StateCipher } from "./secrets";
import { isSecret, PROVIDER_KEY, SECRET_SIG, SIG_KEY, type PropertyMap } from "./wire";

/** One managed (dynamic) resource, as the engine keeps it between runs. */
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
  /** Set on the old half of a create-before-delete replacement until its Delete has run (`delete: true`). */
  pendingDelete?: boolean;
  /** The checkpoint entry's other fields (parent, dependencies, created, protect, …), kept and written back. */
  meta?: Record<string, unknown>;
}

/** The stack's state. `resources` is in creation order; destroy walks it backwards. */
export interface StackState {
  version: 1;
  project: string;
  stack: string;
  resources: ResourceState[];
  /** Checkpoint entries the harness does not manage, as read (secrets still encrypted). */
  others: CheckpointResource[];
  /** The checkpoint as read (schema version, manifest, secrets provider), to write back what is not ours. */
  file?: CheckpointFile;
}

/** The type prefix of dynamic resources, the only ones the harness manages. */
const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
/** The Stack resource's type. */
export const STACK_TYPE = "pulumi:pulumi:Stack";
/** The type of the provider that runs every dynamic resource. */
export const NODEJS_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";

/** An empty state for a stack. */
export function emptyState(project: string, stack: string): StackState {
  return { version: 1, project, stack, resources: [], others: [] };
}

/** The Stack resource's URN. */
export function stackUrn(project: string, stack: string): string {
  return `urn:pulumi:${stack}::${project}::${STACK_TYPE}::${project}-${stack}`;
}

/** The default dynamic provider's URN (its reference is `<urn>::<id>`). */
export function defaultProviderUrn(project: string, stack: string): string {
  return `urn:pulumi:${stack}::${project}::${NODEJS_PROVIDER_TYPE}::default`;
}

/**
 * Reads the stack's checkpoint file (decrypting secrets with `cipher`), or returns an empty state when the stack
 * has none yet. Without `cipher`, secret values stay as their encrypted objects.
 */
export function loadState(file: string, project: string, stack: string, cipher?: StateCipher): StackState {
  const chk = readCheckpoint(file);
  if (!chk) return emptyState(project, stack);
  const state: StackState = { ...emptyState(project, stack), file: chk };
  for (const r of chk.checkpoint.latest?.resources ?? []) {
    if (r.custom && typeof r.type === "string" && r.type.startsWith(DYNAMIC_PREFIX)) state.resources.push(fromEntry(r, cipher));
    else state.others.push(r);
  }
  return state;
}

/**
 * Writes the stack's checkpoint atomically (a reader, or a crash, sees the old or the new document, never half),
 * with every value under a resource's `secretKeys` encrypted by `cipher`, the Stack and the default provider
 * present while the stack has resources, and entries ordered so each comes after its parent, provider and
 * dependencies (the CLI's integrity check).
 */
export function saveState(file: string, state: StackState, cipher: StateCipher, engineVersion: string): void {
  const now = new Date().toISOString();
  let others = state.others;
  const live = state.resources.length > 0;
  const stackU = stackUrn(state.project, state.stack);
  const providerU = defaultProviderUrn(state.project, state.stack);
  if (live && !others.some((r) => r.urn === stackU)) {
    others = [{ urn: stackU, custom: false, type: STACK_TYPE, created: now, modified: now }, ...others];
  }
  let provider = others.find((r) => r.urn === providerU && !r.delete);
  if (live && !provider) {
    provider = { urn: providerU, custom: true, id: crypto.randomUUID(), type: NODEJS_PROVIDER_TYPE, created: now, modified: now };
    others = [...others, provider];
  }
  // Only the Stack and the default provider left: a destroyed stack keeps no resources, as with the CLI.
  if (!live && others.every((r) => r.urn === stackU || r.urn === providerU)) others = [];
  state.others = others;
  const providerRef = provider ? `${provider.urn}::${provider.id}` : undefined;
  const entries = [...others, ...state.resources.map((r) => toEntry(r, cipher, stackU, providerRef, now))];
  writeCheckpoint(file, state.file, `organization/${state.project}/${state.stack}`, cipher.saltState, ordered(entries), engineVersion);
}

/** Sets the Stack's outputs (wire form: secret wrappers anywhere) in the state, encrypted. */
export function setStackOutputs(state: StackState, outputs: PropertyMap, cipher: StateCipher): void {
  const urn = stackUrn(state.project, state.stack);
  const sealed = sealDeep(outputs, cipher) as PropertyMap;
  const entry = state.others.find((r) => r.urn === urn);
  const now = new Date().toISOString();
  if (entry) {
    if (!isDeepStrictEqual(openDeep(entry.outputs ?? {}, cipher), outputs)) {
      entry.outputs = sealed;
      entry.modified = now;
    }
  } else if (state.resources.length > 0) {
    state.others.unshift({ urn, custom: false, type: STACK_TYPE, outputs: sealed, created: now, modified: now });
  }
}

function fromEntry(r: CheckpointResource, cipher: StateCipher | undefined): ResourceState {
  const { urn, custom: _c, id, type, inputs, outputs, provider: _p, delete: del, initErrors, ...meta } = r;
  const secretKeys = new Set<string>();
  const open = (props: PropertyMap | undefined): PropertyMap =>
    Object.fromEntries(Object.entries(props ?? {}).map(([k, v]) => {
      if (containsSecret(v)) secretKeys.add(k);
      return [k, cipher ? openDeep(v, cipher) : v];
    }));
  const ins = open(inputs);
  const outs = open(outputs);
  const serialized = outs[PROVIDER_KEY] ?? ins[PROVIDER_KEY];
  delete ins[PROVIDER_KEY];
  delete outs[PROVIDER_KEY];
  const entry: ResourceState = {
    urn, type, name: urn.slice(urn.lastIndexOf("::") + 2), id: id ?? "", inputs: ins, outputs: outs,
    provider: typeof serialized === "string" ? serialized : "",
  };
  if (secretKeys.size > 0) entry.secretKeys = [...secretKeys].sort();
  if (del) entry.pendingDelete = true;
  if (initErrors?.length) entry.initErrors = initErrors;
  if (Object.keys(meta).length > 0) entry.meta = meta;
  return entry;
}

function toEntry(r: ResourceState, cipher: StateCipher, stackU: string, providerRef: string | undefined, now: string): CheckpointResource {
  const keys = r.secretKeys ?? [];
  const seal = (props: PropertyMap): PropertyMap =>
    Object.fromEntries(Object.entries({ ...props, [PROVIDER_KEY]: r.provider }).map(([k, v]) => [k, keys.includes(k) ? cipher.encrypt(v) : v]));
  const meta = r.meta ?? {};
  const entry: CheckpointResource = {
    urn: r.urn, custom: true, ...(r.pendingDelete ? { delete: true } : {}), id: r.id, type: r.type,
    inputs: seal(r.inputs), outputs: seal(r.outputs), parent: stackU, ...meta,
  };
  if (providerRef) entry.provider = providerRef;
  if (r.initErrors?.length) entry.initErrors = r.initErrors;
  entry.created ??= now;
  entry.modified ??= now;
  return entry;
}

function containsSecret(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  if ((v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) return true;
  return Object.values(v).some(containsSecret);
}

/** Decrypts every checkpoint secret object in a value (nested ones included) to its plain value. */
function openDeep(v: unknown, cipher: StateCipher): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => openDeep(x, cipher));
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) return openDeep(cipher.decrypt(o), cipher);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, openDeep(x, cipher)]));
}

/** Encrypts every wire secret wrapper (`{sig, value}`) in a value into a checkpoint secret object. */
function sealDeep(v: unknown, cipher: StateCipher): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => sealDeep(x, cipher));
  if (isSecret(v)) return cipher.encrypt(unwrapDeep(v.value));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sealDeep(x, cipher)]));
}

function unwrapDeep(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(unwrapDeep);
  if (isSecret(v)) return unwrapDeep(v.value);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapDeep(x)]));
}

/** A stable order in which every entry follows its parent, provider and dependencies that are present. */
function ordered(entries: CheckpointResource[]): CheckpointResource[] {
  const byUrn = new Map(entries.filter((e) => !e.delete).map((e) => [e.urn, e]));
  const done = new Set<CheckpointResource>();
  const out: CheckpointResource[] = [];
  const visit = (e: CheckpointResource, path: Set<CheckpointResource>) => {
    if (done.has(e) || path.has(e)) return;
    path.add(e);
    const deps = [e.parent, e.provider?.slice(0, e.provider.lastIndexOf("::")), ...(e.dependencies ?? [])];
    for (const d of deps) {
      const dep = typeof d === "string" ? byUrn.get(d) : undefined;
      if (dep && dep !== e) visit(dep, path);
    }
    done.add(e);
    out.push(e);
  };
  for (const e of entries) visit(e, new Set());
  return out;
}
