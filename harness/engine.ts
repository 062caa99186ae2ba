/**
 * The engine's step logic for dynamic resources, against the real plugin: Check → Create, or Check → Diff →
 * same / Update / replace (delete-before-replace or create-before-delete), Read for `Resource.get` and refresh,
 * Delete for removed resources and destroy. Every step that changes anything is written to the stack's
 * checkpoint at once. Preview runs Check and Diff only.
 */
import { isDeepStrictEqual } from "node:util";
import { configureArgs, type StackConfig } from "./config";
import type { HarnessError, ResourceInitError, Plugin } from "./plugin";
import type { Registration, RegistrationResult } from "./program";
import type { StateCipher } from "./secrets";
import { NODEJS_PROVIDER_TYPE, saveState, setStackOutputs, type ResourceState, type StackState } from "./state";
import { changedKeys, containsUnknown, secret, splitProvider, unwrapSecrets, withProvider, type PropertyMap } from "./wire";
import { hasCode } from "../provider/errors";

/** What a step did to one resource. */
export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "read";

/** One step of a run, for the summary and for tests. */
export interface Step {
  urn: string;
  op: StepOp;
  /** Top-level properties that differ (inputs for up/preview, outputs for refresh), `__provider` when only it did. */
  changedKeys: string[];
  /** Inputs the provider computes for the user (`changedFiles`, `sourceChanges`), when present. */
  detail?: Record<string, unknown>;
  /** Old → new input values of the changed keys (secret ones masked), as `pulumi preview --diff` shows them. */
  values?: Record<string, { old: unknown; new: unknown }>;
  error?: string;
}

/** Inputs printed under a step when the provider sets them (e.g. a changed-files summary computed in check). */
export const DETAIL_KEYS = ["changedFiles", "sourceChanges"];

/** Options for {@link Engine}. */
export interface EngineOptions {
  state: StackState;
  stateFile: string;
  config: StackConfig;
  preview: boolean;
  /** Encrypts secret values in the checkpoint (the stack's passphrase secrets provider). */
  cipher: StateCipher;
  /** Returns the plugin to talk to (started on first use). */
  plugin(): Promise<Plugin>;
}

/** What the checkpoints the harness writes name as their engine (`manifest.version`). */
export const ENGINE_VERSION = `pulumi-functiongraph-harness ${(require("../../package.json") as { version: string }).version}`;

/** Runs the steps of one deployment and records them. */
export class Engine {
  /** The steps taken, in the order they finished. */
  readonly steps: Step[] = [];
  /** The first HarnessError met (it explains a setup problem; the run reports it instead of step errors). */
  harnessError: HarnessError | undefined;
  private readonly registered = new Set<string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private configured: Promise<Plugin> | undefined;

  constructor(private readonly opts: EngineOptions) {}

  /** Errors of failed steps. */
  get errors(): string[] {
    return this.steps.filter((s) => s.error !== undefined).map((s) => `${s.urn}: ${s.error}`);
  }

  /** The plugin, configured once per engine with the whole stack config (as the engine's Configure does). */
  private plugin(): Promise<Plugin> {
    this.configured ??= this.opts.plugin().then(async (p) => {
      await p.configure(configureArgs(this.opts.config));
      return p;
    });
    return this.configured;
  }

  private save(): void {
    if (!this.opts.preview) saveState(this.opts.stateFile, this.opts.state, this.opts.cipher, ENGINE_VERSION);
  }

  private live(urn: string): ResourceState | undefined {
    return this.opts.state.resources.find((r) => r.urn === urn && !r.pendingDelete);
  }

  private remove(entry: ResourceState): void {
    this.opts.state.resources = this.opts.state.resources.filter((r) => r !== entry);
  }

  private record(step: Step, e?: unknown): void {
    if (e !== undefined) {
      step.error = e instanceof Error ? e.message : String(e);
      if (hasCode<HarnessError>(e, "FGS_HARNESS")) this.harnessError ??= e;
    }
    this.steps.push(step);
  }

  /** Handles one registration from the program; the program receives the returned id and outputs. */
  register(reg: Registration): Promise<RegistrationResult> {
    const p = this.step(reg);
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Waits for every registration still being handled (a failing program may exit while steps run). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async step(reg: Registration): Promise<RegistrationResult> {
    const { urn } = reg;
    const unwrapped = unwrapSecrets(reg.inputs);
    // Secret inputs keep their outputs secret, like additionalSecretOutputs (the plugin takes no secrets).
    const secretKeys = [...new Set([...unwrapped.secretKeys, ...(reg.additionalSecretOutputs ?? [])])].sort();
    const { provider, rest } = splitProvider(unwrapped.plain);
    const reply = (id: string, outputs: PropertyMap): RegistrationResult => {
      const out: PropertyMap = { ...outputs };
      for (const k of secretKeys) if (k in out) out[k] = secret(out[k]);
      return { id, outputs: out };
    };
    const step: Step = { urn, op: "same", changedKeys: [] };
    try {
      if (!provider) throw new Error("no serialized provider (__provider) among the inputs");
      const plugin = await this.plugin();
      if (reg.readId !== undefined) {
        step.op = "read";
        const r = await plugin.read(urn, reg.readId, {}, withProvider(rest, provider));
        this.record(step);
        return reply(r.id, splitProvider(r.properties).rest);
      }
      if (this.registered.has(urn)) throw new Error("duplicate resource URN: the program registered it twice");
      this.registered.add(urn);
      const old = this.live(urn);
      const oldInputs = old ? withProvider(old.inputs, old.provider) : {};
      const checked = await plugin.check(urn, oldInputs, withProvider(rest, provider));
      if (checked.failures.length > 0) {
        throw new Error(`check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
      }
      const news = splitProvider(checked.inputs).rest;
      const detail = Object.fromEntries(DETAIL_KEYS.filter((k) => k in news && !containsUnknown(news[k])).map((k) => [k, news[k]]));
      if (Object.keys(detail).length > 0) step.detail = detail;

      if (!old) {
        step.op = "create";
        step.changedKeys = Object.keys(news).filter((k) => !DETAIL_KEYS.includes(k)).sort();
        if (this.opts.preview) return this.done(step, reply("", news));
        const created = await this.create(reg, news, provider, secretKeys);
        return this.done(step, reply(created.id, created.outputs));
      }

      const diff = await plugin.diff(urn, old.id, withProvider(old.outputs, old.provider), withProvider(news, provider), oldInputs);
      // DIFF_UNKNOWN (the provider has no diff): the engine compares old and new inputs itself.
      const changed =
        diff.changes === "unknown" ? !isDeepStrictEqual(oldInputs, withProvider(news, provider)) : diff.changes === "some";
      // Like the CLI's display: `__` keys (internal, e.g. the source fingerprint) are never shown.
      step.changedKeys = changedKeys(old.inputs, news).filter((k) => !DETAIL_KEYS.includes(k) && !k.startsWith("__"));
      const mask = (k: string, v: unknown) => (secretKeys.includes(k) || (old.secretKeys ?? []).includes(k) ? "[secret]" : v);
      step.values = Object.fromEntries(step.changedKeys.map((k) => [k, { old: mask(k, old.inputs[k]), new: mask(k, news[k]) }]));
      if (step.changedKeys.length === 0 && old.provider !== provider) step.changedKeys = ["__provider"];

      if (!changed && !old.initErrors) {
        if (!this.opts.preview) {
          old.inputs = news; // a same step records the new inputs and keeps the old outputs
          old.meta = { ...old.meta, ...registrationMeta(reg) };
          setSecretKeys(old, secretKeys);
          this.save();
        }
        step.changedKeys = [];
        return this.done(step, reply(old.id, old.outputs));
      }
      step.op = diff.replaces.length === 0 ? "update" : "replace";
      if (step.op === "replace") step.changedKeys = [...new Set([...diff.replaces, ...step.changedKeys])].sort();
      if (this.opts.preview) return this.done(step, reply(step.op === "update" ? old.id : "", news));
      const entry =
        step.op === "update"
          ? await this.update(old, news, provider, oldInputs, secretKeys, registrationMeta(reg))
          : await this.replace(reg, old, news, provider, secretKeys, diff.deleteBeforeReplace);
      return this.done(step, reply(entry.id, entry.outputs));
    } catch (e) {
      this.record(step, e);
      throw e;
    }
  }

  private done(step: Step, result: RegistrationResult): RegistrationResult {
    this.record(step);
    return result;
  }

  /** Update in place; a partial failure (ErrorResourceInitFailed) records the new state with its init errors. */
  private async update(
    old: ResourceState,
    news: PropertyMap,
    provider: string,
    oldInputs: PropertyMap,
    secretKeys: string[],
    meta: Record<string, unknown>,
  ): Promise<ResourceState> {
    const plugin = await this.plugin();
    setSecretKeys(old, secretKeys);
    old.meta = { ...old.meta, ...meta, modified: new Date().toISOString() };
    let outs: PropertyMap;
    try {
      outs = await plugin.update(old.urn, old.id, withProvider(old.outputs, old.provider), withProvider(news, provider), oldInputs);
    } catch (e) {
      if (hasCode<ResourceInitError>(e, "FGS_RESOURCE_INIT")) {
        Object.assign(old, { inputs: news, outputs: e.properties, provider, initErrors: reasons(e) });
        this.save();
      }
      throw e;
    }
    Object.assign(old, { inputs: news, outputs: splitProvider(outs).rest, provider });
    delete old.initErrors;
    this.save();
    return old;
  }

  /** Replace: Delete then Create with deleteBeforeReplace, else Create now and Delete the old one in finish(). */
  private async replace(
    reg: Registration,
    old: ResourceState,
    news: PropertyMap,
    provider: string,
    secretKeys: string[],
    deleteBeforeReplace: boolean,
  ): Promise<ResourceState> {
    if (deleteBeforeReplace) {
      await this.delete(old);
    } else {
      old.pendingDelete = true;
      this.save();
    }
    return this.create(reg, news, provider, secretKeys);
  }

  /** Create; a partially created resource (ErrorResourceInitFailed) is kept in state so the next run updates it. */
  private async create(reg: Registration, news: PropertyMap, provider: string, secretKeys: string[]): Promise<ResourceState> {
    const plugin = await this.plugin();
    const base = {
      urn: reg.urn, type: reg.type, name: reg.name, inputs: news, provider, ...(secretKeys.length ? { secretKeys } : {}), meta: registrationMeta(reg),
    };
    let entry: ResourceState;
    try {
      const r = await plugin.create(reg.urn, withProvider(news, provider));
      entry = { ...base, id: r.id, outputs: splitProvider(r.properties).rest };
    } catch (e) {
      if (hasCode<ResourceInitError>(e, "FGS_RESOURCE_INIT")) {
        this.opts.state.resources.push({ ...base, id: e.id, outputs: e.properties, initErrors: reasons(e) });
        this.save();
      }
      throw e;
    }
    this.opts.state.resources.push(entry);
    this.save();
    return entry;
  }

  private async delete(entry: ResourceState): Promise<void> {
    const plugin = await this.plugin();
    await plugin.delete(entry.urn, entry.id, withProvider(entry.outputs, entry.provider), withProvider(entry.inputs, entry.provider));
    this.remove(entry);
    this.save();
  }

  /**
   * End of `up`/`preview` after the program succeeded: deletes (or, in preview, reports) the old halves of
   * replacements and every resource in state the program no longer registers, newest first; `up` then records
   * the Stack's outputs (wire form).
   */
  async finish(stackOutputs: PropertyMap): Promise<void> {
    await this.settle();
    await this.deleteDoomed();
    if (!this.opts.preview && this.errors.length === 0) {
      setStackOutputs(this.opts.state, stackOutputs, this.opts.cipher);
      this.save();
    }
  }

  private async deleteDoomed(): Promise<void> {
    const doomed = this.opts.state.resources.filter((r) => r.pendingDelete || !this.registered.has(r.urn)).reverse();
    for (const r of doomed) {
      // The old half of a replacement: its replace step already reports this delete.
      const reported = r.pendingDelete && this.steps.some((s) => s.urn === r.urn && s.op === "replace");
      const step: Step = { urn: r.urn, op: reported ? "replace" : "delete", changedKeys: [] };
      try {
        if (!this.opts.preview) await this.delete(r);
        if (!reported) this.record(step);
      } catch (e) {
        this.record(step, e);
        return;
      }
    }
  }

  /** `refresh`: Read every resource; an empty id means it is gone (removed from state); outputs are updated. */
  async refresh(): Promise<void> {
    for (const r of [...this.opts.state.resources]) {
      const step: Step = { urn: r.urn, op: "same", changedKeys: [] };
      try {
        const plugin = await this.plugin();
        const res = await plugin.read(r.urn, r.id, withProvider(r.outputs, r.provider), withProvider(r.inputs, r.provider));
        if (!res.id) {
          step.op = "delete";
          this.remove(r);
        } else {
          const outs = splitProvider(res.properties).rest;
          step.changedKeys = changedKeys(r.outputs, outs);
          if (step.changedKeys.length > 0) step.op = "update";
          Object.assign(r, { id: res.id, outputs: outs });
          if (res.inputs) r.inputs = splitProvider(res.inputs).rest;
        }
        this.save();
        this.record(step);
      } catch (e) {
        this.record(step, e);
        return;
      }
    }
  }

  /**
   * `destroy`: Delete every resource, newest first, each with the provider stored for it; stops at an error.
   * When all are gone, the entries that only existed for them (components, the Stack, the dynamic provider) go too.
   */
  async destroy(): Promise<void> {
    for (const r of [...this.opts.state.resources].reverse()) {
      const step: Step = { urn: r.urn, op: "delete", changedKeys: [] };
      try {
        await this.delete(r);
        this.record(step);
      } catch (e) {
        this.record(step, e);
        return;
      }
    }
    const kept = this.opts.state.others.filter((r) => r.custom && r.type !== NODEJS_PROVIDER_TYPE);
    if (kept.length !== this.opts.state.others.length) {
      this.opts.state.others = kept;
      this.save();
    }
  }
}

/** The checkpoint fields of a new resource that come from its registration (parent, dependencies). */
function registrationMeta(reg: Registration): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  if (reg.parent) meta.parent = reg.parent;
  if (reg.dependencies?.length) meta.dependencies = reg.dependencies;
  if (reg.propertyDependencies && Object.keys(reg.propertyDependencies).length > 0) meta.propertyDependencies = reg.propertyDependencies;
  if (reg.additionalSecretOutputs?.length) meta.additionalSecretOutputs = reg.additionalSecretOutputs;
  return meta;
}

function reasons(e: ResourceInitError): string[] {
  return e.reasons.length > 0 ? e.reasons : [e.message];
}

function setSecretKeys(entry: ResourceState, keys: string[]): void {
  if (keys.length > 0) entry.secretKeys = keys;
  else delete entry.secretKeys;
}
