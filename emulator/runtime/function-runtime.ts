/**
 * The emulator's function runtime: its work dir (runner scripts, unpacked code, instance temp dirs), the
 * instance pools of every function version, the idle reaper, the invocation records, and the TIMER and APIG
 * triggers served locally. `close()` stops every instance (no process outlives the emulator), timer and
 * gateway, and removes the work dir.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorContext } from "../context";
import { ApigGateway } from "../apig/apig-gateway";
import { AsyncAdmission } from "./async-admission";
import { configHash } from "../store/records";
import { CodeCache } from "./code-cache";
import { CustomInstance } from "./custom-instance";
import { dependencyExtras, type InstanceExtras } from "./dependency-paths";
import { buildEnvironment } from "./environment";
import { ProcessInstance, type Instance } from "./instance";
import { InvocationLog } from "./invocation-log";
import { ApiError } from "../http/errors";
import { httpSocketPath, instanceView, interpreterOf, launchSpec, runtimeFamily, type SandboxRunner } from "./launch";
import { resolveRuntimeOptions, type ResolvedRuntimeOptions, type RuntimeOptions } from "./options";
import { invoke } from "./invoke";
import { InstancePool } from "./pool";
import { NODE_RUNNER_FILE, NODE_RUNNER_SOURCE } from "./runner-node";
import { PYTHON_RUNNER_FILE, PYTHON_RUNNER_SOURCE } from "./runner-python";
import { HTTP_RELAY_FILE, HTTP_RELAY_SOURCE } from "./runner-http";
import { HttpInstance } from "./http-instance";
import { nodeInterpreter, runtimeCommand } from "./interpreters";
import { findExecutable, writeSandboxEtc } from "./sandbox";
import { seccompFilter } from "./seccomp";
import { removeStaleWorkDirs, workDirPrefix } from "./stale-work-dirs";
import { removeTree, removeTreeSync } from "./remove-tree";
import { CGROUP_HEADROOM_BYTES, MemoryCgroups } from "./memory-cgroup";
import { SandboxUsers } from "./sandbox-users";
import { resolveTarget, type InvokeTarget } from "./target";
import { TimerScheduler } from "./timer-triggers";

/**
 * How many instances a function version may run: the function's own setting when it has one (`max_instance_num`,
 * or a positive `strategy_config.concurrency`), capped by the emulator's `maxInstancesPerFunction`. Each
 * instance serves `callsPerInstance` calls at once.
 */
export function instanceLimit(config: InvokeTarget["config"], cap: number): number {
  const c = config as unknown as Record<string, unknown>;
  const strategy = c.strategy_config as { concurrency?: unknown } | undefined;
  const own = [c.max_instance_num, strategy?.concurrency].find((v) => typeof v === "number" && Number.isInteger(v) && v > 0) as number | undefined;
  return Math.max(1, Math.min(own ?? cap, cap));
}

/**
 * Calls one instance serves at once: the function's `strategy_config.concurrent_num` (`concurrencyNum`, 1–1000;
 * default 1). A Custom runtime's bootstrap pulls one event at a time, so its instances serve one call each
 * [inferred].
 */
export function callsPerInstance(config: InvokeTarget["config"], family: ReturnType<typeof runtimeFamily>): number {
  const n = (config.strategy_config as { concurrent_num?: unknown } | undefined)?.concurrent_num;
  if (family === "custom" || typeof n !== "number" || !Number.isInteger(n) || n < 1) return 1;
  return Math.min(n, 1000);
}

/** True when every directory from `/` to `dir` lets other users through (the x bit for others). */
function reachableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/** True when other users can run `command` (a path, or a name found on the PATH): the file and every directory to it. */
function executableByOthers(command: string): boolean {
  const candidates = command.includes("/") ? [command]
    : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, command));
  for (const c of candidates) {
    let real: string;
    try {
      real = fs.realpathSync(c);
    } catch {
      continue;
    }
    return (fs.statSync(real).mode & 0o001) !== 0 && reachableByOthers(path.dirname(real));
  }
  return true; // not found at all: the launch reports that itself
}

/** What a pool runs: the function's id, the code digest and the settings of its version. */
function poolFingerprint(id: string, digest: string, config: InvokeTarget["config"]): string {
  return `${id}:${digest}:${configHash(config)}`;
}

/** Pools, code and records of one emulator. */
export class FunctionRuntime {
  options: ResolvedRuntimeOptions;
  readonly invocations: InvocationLog;
  /** TIMER triggers firing async invocations on schedule. */
  readonly timers: TimerScheduler;
  /** The APIG triggers of the store, served on the gateway's port (`listen` it once the emulator starts). */
  readonly gateway: ApigGateway;
  private readonly pools = new Map<string, InstancePool>();
  /** Functions (by id) whose log already said which interpreter version their runtime runs on here. */
  private readonly toldRuntime = new Set<string>();
  /** The function (its id) and version each pool runs, to find pools whose version is gone or changed. */
  private readonly poolTargets = new WeakMap<InstancePool, { pkg: string; name: string; id: string; version: string }>();
  /** Stops listening to the store's commits. */
  private readonly unwatch: () => void;
  private workDir: string | undefined;
  private code: CodeCache | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private closed = false;
  /** Unsandboxed (`unsafeNoSandbox`) only: the user code runs as (undefined: the emulator's own). */
  private sandboxUser: { uid: number; gid: number } | undefined;
  /** The bwrap sandbox instances run in; undefined when unsandboxed or when it is missing. */
  private readonly sandbox: SandboxRunner | undefined;
  /** The `/etc` files the sandbox shows instead of the host's, written into the work dir with it. */
  private etcSources: Record<string, string> = {};
  /** The compiled seccomp filter's file in the work dir (undefined: none for this machine, or unsandboxed). */
  private seccomp: string | undefined;
  /** The instances' memory cgroups, when the machine lets the emulator make them (sandboxed only). */
  private readonly cgroups: MemoryCgroups | undefined;
  /** Why no function can run (bwrap missing and no `unsafeNoSandbox`), or undefined. */
  private readonly cannotRun: string | undefined;
  /** Each function's own uid in the sandbox. */
  private readonly users = new SandboxUsers();
  /** The async calls accepted and not yet finished, bounded (429 FSS.0429 beyond). */
  private readonly asyncCalls: AsyncAdmission;

  constructor(private readonly ctx: EmulatorContext, options: RuntimeOptions = {}) {
    this.options = resolveRuntimeOptions(options);
    this.sandboxUser = this.options.unsafeNoSandbox ? this.options.sandboxUser : undefined;
    this.asyncCalls = new AsyncAdmission(this.options.asyncQueue);
    if (this.options.unsafeNoSandbox) {
      process.stderr.write("[fgs-emulator] WARNING: functions run without a sandbox (--unsafe-no-sandbox): their code can read " +
        "each other's environment and code, and the emulator's\n");
    } else {
      const isRoot = process.getuid?.() === 0;
      const bwrap = findExecutable(this.options.bwrapCommand);
      const setpriv = isRoot ? findExecutable("setpriv") : undefined;
      if (!bwrap || (isRoot && !setpriv)) {
        const what = !bwrap ? `bubblewrap ('${this.options.bwrapCommand}') is not installed` : "setpriv (util-linux) is not installed";
        this.cannotRun = `the emulator does not run function code: ${what}, and functions only run in its sandbox. ` +
          "Install it (Debian/Ubuntu: apt-get install bubblewrap util-linux), or start the emulator with --unsafe-no-sandbox " +
          "(startEmulator({ runtime: { unsafeNoSandbox: true } })) to run code unisolated";
        process.stderr.write(`[fgs-emulator] ${this.cannotRun}\n`);
      } else {
        this.sandbox = { bwrap, setpriv };
        const say = (msg: string) => ctx.options.quiet || process.stderr.write(`[fgs-emulator] ${msg}\n`);
        if (!seccompFilter()) say(`no seccomp filter for ${process.arch} (only x64 has one): sandboxed code may still create namespaces and reach more of the kernel`);
        this.cgroups = MemoryCgroups.open();
        if (!this.cgroups) {
          say("memory is limited less strictly: no memory cgroup can be made here (it needs root and a writable cgroupfs), so each " +
            "process's data segment is limited (RLIMIT_DATA), not shared memory or the instance as a whole");
        }
      }
    }
    this.invocations = new InvocationLog(this.options.keepInvocations, this.options.maxLogBytesPerInvocation, ctx.options.dataDir);
    this.timers = new TimerScheduler((urn, event) => this.startAsync(resolveTarget(ctx, urn), event), (msg) => {
      if (!ctx.options.quiet) process.stderr.write(`[fgs-emulator] ${msg}\n`);
    });
    this.gateway = new ApigGateway(ctx, async (urn, event) => {
      const out = await invoke(ctx, this, resolveTarget(ctx, urn), event, { kind: "sync" });
      return { ok: out.ok, result: out.result.toString("utf8") };
    });
    this.unwatch = ctx.store.onCommit(() => this.retireStale());
    removeStaleWorkDirs(this.options.workDir ?? os.tmpdir()); // left by emulators killed before their close
  }

  /**
   * After every write (the store's commit): a pool whose function or version is gone (deleted, or another
   * function now has its name) is closed — every instance killed at once, calls in progress end as crashes —
   * and one whose code or settings changed is retired (idle instances stop now, busy ones after their call), so
   * no instance outlives its version or serves another.
   */
  private retireStale(): void {
    for (const [key, pool] of this.pools) {
      const t = this.poolTargets.get(pool);
      if (!t) continue;
      const f = this.ctx.store.get(t.pkg, t.name);
      const v = f && f.id === t.id ? (t.version === "latest" ? f : f.versions.find((x) => x.version === t.version)) : undefined;
      if (!f || !v) {
        pool.close(f && f.id === t.id ? `version ${t.version} was deleted` : "the function was deleted");
        this.pools.delete(key);
      } else if (poolFingerprint(f.id, v.digest, v.config) !== pool.fingerprint) {
        pool.retire();
        this.pools.delete(key);
      }
    }
  }

  /**
   * Starts an asynchronous invocation and returns its request id at once; an unsupported runtime or unreadable
   * code is refused before (the error is thrown), so nothing is lost silently in the background; so is a call
   * over the bounds of `runtime.asyncQueue` (429 FSS.0429, async-admission.ts).
   */
  async startAsync(target: InvokeTarget, event: string): Promise<string> {
    await this.pool(target);
    const release = this.asyncCalls.admit(`${target.f.package}/${target.f.name}`, Buffer.byteLength(event, "utf8"));
    const requestId = randomUUID();
    void invoke(this.ctx, this, target, event, { kind: "async", requestId }).catch(() => {
      /* the emulator closed under the call: nothing is waiting for it */
    }).finally(release);
    return requestId;
  }

  /** Creates the work dir with the runner scripts on first use. */
  private ensureWorkDir(): string {
    if (this.workDir) return this.workDir;
    const base = this.options.workDir ?? os.tmpdir();
    fs.mkdirSync(base, { recursive: true });
    const dir = fs.mkdtempSync(workDirPrefix(base));
    // In the sandbox, bwrap (root, or the emulator's user) mounts what an instance sees: nobody else needs the
    // work dir. Unsandboxed, the `sandboxUser` must reach the runners and the code.
    const mode = this.sandbox ? 0o700 : 0o755;
    fs.chmodSync(dir, mode);
    for (const sub of ["code", "instances"]) fs.mkdirSync(path.join(dir, sub), { mode });
    fs.mkdirSync(path.join(dir, "runners"), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "runners", NODE_RUNNER_FILE), NODE_RUNNER_SOURCE, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "runners", PYTHON_RUNNER_FILE), PYTHON_RUNNER_SOURCE, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "runners", HTTP_RELAY_FILE), HTTP_RELAY_SOURCE, { mode: 0o644 });
    if (this.sandbox) {
      fs.mkdirSync(path.join(dir, "etc"), { mode: 0o755 });
      this.etcSources = writeSandboxEtc(path.join(dir, "etc"));
      const filter = seccompFilter();
      if (filter) {
        this.seccomp = path.join(dir, "seccomp.bpf");
        fs.writeFileSync(this.seccomp, filter, { mode: 0o600 });
      }
    }
    this.workDir = dir;
    if (this.sandboxUser && !executableByOthers(this.options.nodeCommand)) {
      // This Node lives where the sandbox user cannot reach it (e.g. under /root): another on the PATH will do.
      const other = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "node"))
        .find((c) => fs.existsSync(c) && executableByOthers(c));
      if (other) this.options = { ...this.options, nodeCommand: other };
    }
    if (this.sandboxUser && !reachableByOthers(dir)) {
      // The unprivileged user could not reach the runners or the code: run as the emulator's user instead.
      this.sandboxUser = undefined;
      if (!this.ctx.options.quiet) process.stderr.write(`[fgs-emulator] ${dir} is not reachable by other users: functions run unsandboxed\n`);
    }
    this.code = new CodeCache(path.join(dir, "code"));
    // A process that exits without closing the emulator (process.exit, an uncaught error) still kills its
    // instances and removes the work dir; a SIGKILL cannot be caught (instances then end when their stdin closes).
    process.on("exit", this.onProcessExit);
    const every = Math.min(Math.max(Math.floor(this.options.idleMs / 2), 50), 5000);
    this.reaper = setInterval(() => this.reap(), every);
    this.reaper.unref();
    return dir;
  }

  /** The pool of `target`'s version, replacing (retiring) one that ran other code or settings. */
  async pool(target: InvokeTarget): Promise<InstancePool> {
    if (this.closed) throw new Error("the emulator is closing");
    if (this.cannotRun) throw new ApiError(503, "FSS.0503", this.cannotRun);
    const family = runtimeFamily(target.config.runtime);
    if (family === "http" && !this.sandbox) {
      throw new ApiError(400, "FSS.0400", "HTTP functions run only in the emulator's sandbox, each instance with a network namespace " +
        "of its own (so each has its own 127.0.0.1:8000), and this emulator runs without it (--unsafe-no-sandbox): install bubblewrap " +
        "(Debian/Ubuntu: apt-get install bubblewrap util-linux) and start the emulator without --unsafe-no-sandbox");
    }
    const workDir = this.ensureWorkDir();
    let options = this.options;
    let notice: string | undefined;
    if (family === "python" || family === "node" || (this.sandbox && family !== "custom")) {
      // The interpreter is found once (a Python on the PATH is asked where it lives, sandboxed or not), the
      // runtime's exact version preferred (interpreters.ts `runtimeCommand`): a failure is the call's error.
      const command = family === "python" ? this.options.pythonCommand : this.options.nodeCommand;
      try {
        if (family === "python" || family === "node") {
          const isDefault = family === "python" ? command === "python3" : command === process.execPath;
          const choice = runtimeCommand(target.config.runtime, family, this.options, isDefault);
          options = { ...this.options, [family === "python" ? "pythonCommand" : "nodeCommand"]: choice.command };
          notice = this.toldRuntime.has(target.f.id) ? undefined : choice.notice;
        } else nodeInterpreter(command);
      } catch (err) {
        throw new ApiError(500, "FSS.0500", `the emulator cannot run ${target.config.runtime}: '${command}' failed: ${(err as Error).message.split("\n")[0]}`);
      }
    }
    const key = `${target.f.package}/${target.f.name}@${target.version}`;
    const fingerprint = poolFingerprint(target.f.id, target.digest, target.config);
    const existing = this.pools.get(key);
    if (existing && existing.fingerprint === fingerprint) return existing;
    const codeRoot = await this.code!.dir(target.digest, () => this.ctx.store.blob(target.digest));
    const extras = await dependencyExtras(this.ctx.dependencies, family, target.config.depend_version_list,
      (digest, zip) => this.code!.dir(digest, zip), this.sandbox !== undefined);
    const again = this.pools.get(key);
    if (again && again.fingerprint === fingerprint) return again;
    again?.retire();
    const perInstance = callsPerInstance(target.config, family);
    if (perInstance > 1 && family === "python") extras.env.FGS_CONCURRENCY = String(perInstance); // the runner's thread pool
    const pool = new InstancePool(fingerprint, instanceLimit(target.config, this.options.maxInstancesPerFunction),
      () => this.newInstance(family, target, workDir, codeRoot, extras, options), perInstance);
    if (notice !== undefined) {
      pool.notice = notice;
      this.toldRuntime.add(target.f.id);
    }
    this.pools.set(key, pool);
    this.poolTargets.set(pool, { pkg: target.f.package, name: target.f.name, id: target.f.id, version: target.version });
    return pool;
  }

  private newInstance(family: ReturnType<typeof runtimeFamily>, target: InvokeTarget, workDir: string, codeRoot: string,
    extras: InstanceExtras, options: ResolvedRuntimeOptions): Instance {
    const tmpDir = fs.mkdtempSync(path.join(workDir, "instances", "i-"));
    const dirs = { code: codeRoot, runners: path.join(workDir, "runners"), tmp: tmpDir };
    let sandbox: (SandboxRunner & { user: { uid: number; gid: number } }) | undefined;
    let unsandboxedUser: { uid: number; gid: number } | undefined;
    if (this.sandbox) {
      sandbox = { ...this.sandbox, etcSources: this.etcSources, seccomp: this.seccomp, user: this.users.userFor(target.f.id) };
      if (this.sandbox.setpriv) fs.chownSync(tmpDir, sandbox.user.uid, sandbox.user.gid); // root: the function's own /tmp
    } else {
      // Unsandboxed: the sandbox user must be able to run the interpreter too (a Python under /root/.pyenv cannot
      // be): when it cannot, that runtime's functions run as the emulator's user.
      const interpreter = interpreterOf(family, options, false)?.executable; // the one the launch runs
      unsandboxedUser = this.sandboxUser && (interpreter === undefined || executableByOthers(interpreter)) ? this.sandboxUser : undefined;
      if (unsandboxedUser) fs.chownSync(tmpDir, unsandboxedUser.uid, unsandboxedUser.gid);
    }
    const view = instanceView(sandbox !== undefined, dirs);
    const env = { ...buildEnvironment(target, this.ctx.scope.projectId, { codeRoot: view.code, tmpDir: view.tmp }), ...extras.env };
    if (family === "http") {
      // The bootstrap finds the emulator's Node.js as `node` (shown read-only in the sandbox) [inferred: the
      // service's HTTP runtime has one on the PATH].
      env.PATH = `${path.dirname(interpreterOf(family, options, sandbox !== undefined)!.executable)}:${env.PATH}`;
    }
    const spec = launchSpec({
      family, runtime: options, memoryMB: target.config.memory_size, dirs, env, sandbox, unsandboxedUser,
      readOnlyMounts: extras.readOnlyMounts,
      network: family === "http" ? "none" : "host", // an HTTP function's own 127.0.0.1:8000; the others share loopback
    });
    const cgroups = sandbox ? this.cgroups : undefined;
    if (cgroups) spec.cgroup = cgroups.create(target.config.memory_size * 1024 * 1024 + CGROUP_HEADROOM_BYTES);
    let instance: Instance;
    if (family === "http") {
      instance = new HttpInstance(spec, httpSocketPath(tmpDir), {
        "x-cff-memory": String(target.config.memory_size), "x-cff-timeout": String(target.config.timeout),
        "x-cff-func-version": target.version, "x-cff-func-name": target.f.name, "x-cff-project-id": this.ctx.scope.projectId,
        "x-cff-package": target.f.package, "x-cff-region": this.ctx.scope.region,
      });
    } else instance = family === "custom" ? new CustomInstance(spec) : new ProcessInstance(spec);
    instance.onExit(() => {
      void removeTree(tmpDir); // the function's user owns it: never follow a link it left (remove-tree.ts)
      if (spec.cgroup) cgroups!.remove(spec.cgroup);
    });
    return instance;
  }

  /** Stops instances idle longer than `idleMs` and drops empty pools. */
  reap(now = Date.now()): void {
    for (const [key, pool] of this.pools) if (pool.reap(now, this.options.idleMs)) this.pools.delete(key);
  }

  /** Instances alive per version key (for tests and the bench). */
  instances(): Record<string, { total: number; busy: number }> {
    return Object.fromEntries([...this.pools].map(([k, p]) => [k, { total: p.size(), busy: p.busyCount() }]));
  }

  private readonly onProcessExit = (): void => {
    for (const pool of this.pools.values()) pool.close();
    if (this.workDir) removeTreeSync(this.workDir);
  };

  /** Stops every instance and removes the work dir. */
  async close(): Promise<void> {
    this.closed = true;
    this.unwatch();
    process.off("exit", this.onProcessExit);
    this.timers.close();
    this.gateway.close();
    if (this.reaper) clearInterval(this.reaper);
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
    if (this.workDir) {
      // Killed processes release their files at once, but give their exit a moment before removing their dirs.
      await new Promise((r) => setTimeout(r, 20));
      removeTreeSync(this.workDir); // instances' temp dirs inside belonged to the functions' users
      this.workDir = undefined;
    }
  }
}
