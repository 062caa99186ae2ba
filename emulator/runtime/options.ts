/**
 * Options of the emulator's function runtime (`startEmulator({ runtime: {...} })`) and the service limits of
 * invocation, with their defaults in one place.
 */

/** The invoke API's documented limits (bytes). */
export const INVOKE_LIMITS = {
  /** Sync request body and sync answer: 6 MB (`RUNTIME_MAX_RESP_BODY_SIZE`). */
  syncPayloadBytes: 6 * 1024 * 1024,
  /** Async request body: 256 KB. */
  asyncPayloadBytes: 256 * 1024,
  /** `X-Cff-Function-Log` carries the Base64 of the last 2,000 bytes of the log. */
  logHeaderBytes: 2000,
  /** The v1 `log` field with `X-Cff-Log-Type: tail`: the last 4 KB. */
  tailLogBytes: 4096,
} as const;

/** Bounds on the asynchronous invocations accepted and not yet finished (async-admission.ts). */
export interface AsyncQueueLimits {
  /** Calls one function may hold. */
  perFunctionCalls: number;
  /** Bytes of events one function's calls may hold. */
  perFunctionBytes: number;
  /** Calls all functions together may hold. */
  totalCalls: number;
  /** Bytes of events all functions' calls together may hold. */
  totalBytes: number;
}

/**
 * The default `AsyncQueueLimits`: far above what a user's own tests queue (a thousand waiting calls of one
 * function), low enough that a flood of maximal events (256 KB each) cannot grow the emulator by more than about
 * `totalBytes`.
 */
export const ASYNC_QUEUE_LIMITS: AsyncQueueLimits = {
  perFunctionCalls: 1000,
  perFunctionBytes: 32 * 1024 * 1024,
  totalCalls: 5000,
  totalBytes: 128 * 1024 * 1024,
};

/** What a caller may set; every field is optional. */
export interface RuntimeOptions {
  /** Most instances one function version runs at once (the function's own max-instance setting may be lower). Default 8. */
  maxInstancesPerFunction?: number;
  /** An instance idle this long is stopped, ms. Default 60,000. */
  idleMs?: number;
  /** Invocation records (with their logs) kept, oldest dropped first. Default 1,000. */
  keepInvocations?: number;
  /** Largest log kept per invocation (its tail), bytes. Default 1 MiB. */
  maxLogBytesPerInvocation?: number;
  /** Where code is unpacked and instances get their temp dirs; default a fresh dir under the OS temp dir. */
  workDir?: string;
  /**
   * Run function code WITHOUT the bubblewrap sandbox (as the emulator's user, or `sandboxUser`): functions can
   * then read each other's environment and code, and the emulator's. Without it, the emulator runs code only
   * when `bwrap` is installed. Default false.
   */
  unsafeNoSandbox?: boolean;
  /** The bubblewrap executable. Default: `bwrap` on the PATH (or /usr/bin/bwrap). */
  bwrapCommand?: string;
  /**
   * Unsandboxed only (`unsafeNoSandbox`): run user code as this uid/gid (default: `nobody` 65534 when the
   * emulator runs as root and the interpreter is reachable by it; otherwise the emulator's own user). `false`
   * turns the drop off. In the sandbox every function has a uid of its own instead (sandbox-users.ts).
   */
  sandboxUser?: { uid: number; gid: number } | false;
  /**
   * Sandboxed only: most processes and threads all instances of one function run at once (RLIMIT_NPROC of the
   * function's own uid, through `prlimit`), so a fork bomb ends in EAGAIN, not in a machine out of pids.
   * Default 1,024.
   */
  maxProcessesPerFunction?: number;
  /** Command of the Node.js runtimes. Default: the emulator's own `node` (process.execPath). */
  nodeCommand?: string;
  /** Command of the Python runtimes, looked up on the emulator's PATH (sandboxed or not). Default `python3`. */
  pythonCommand?: string;
  /** Port of the API gateway serving APIG triggers (default: the data dir's, else a free one; see apig-gateway.ts). */
  apigPort?: number;
  /** Bounds on the asynchronous invocations waiting or running (429 `FSS.0429` beyond). Default `ASYNC_QUEUE_LIMITS`. */
  asyncQueue?: Partial<AsyncQueueLimits>;
}

/** Options after defaults. */
export interface ResolvedRuntimeOptions {
  maxInstancesPerFunction: number;
  idleMs: number;
  keepInvocations: number;
  maxLogBytesPerInvocation: number;
  workDir: string | undefined;
  unsafeNoSandbox: boolean;
  bwrapCommand: string;
  sandboxUser: { uid: number; gid: number } | undefined;
  maxProcessesPerFunction: number;
  nodeCommand: string;
  pythonCommand: string;
  apigPort: number | undefined;
  asyncQueue: AsyncQueueLimits;
}

/** The `nobody` user and group (present on every Linux distribution). */
const NOBODY = { uid: 65534, gid: 65534 };

/** Fills in defaults; throws an Error naming the option on a bad value. */
export function resolveRuntimeOptions(o: RuntimeOptions = {}): ResolvedRuntimeOptions {
  const positive = (name: string, v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < 1) throw new Error(`emulator: runtime.${name} must be a positive integer`);
    return v;
  };
  const port = (name: string, v: number): number => {
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`emulator: runtime.${name} must be an integer 0-65535`);
    return v;
  };
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  return {
    maxInstancesPerFunction: positive("maxInstancesPerFunction", o.maxInstancesPerFunction, 8),
    idleMs: positive("idleMs", o.idleMs, 60_000),
    keepInvocations: positive("keepInvocations", o.keepInvocations, 1000),
    maxLogBytesPerInvocation: positive("maxLogBytesPerInvocation", o.maxLogBytesPerInvocation, 1024 * 1024),
    workDir: o.workDir,
    unsafeNoSandbox: o.unsafeNoSandbox === true,
    bwrapCommand: o.bwrapCommand ?? "bwrap",
    sandboxUser: o.sandboxUser === false ? undefined : o.sandboxUser ?? (isRoot ? NOBODY : undefined),
    maxProcessesPerFunction: positive("maxProcessesPerFunction", o.maxProcessesPerFunction, 1024),
    nodeCommand: o.nodeCommand ?? process.execPath,
    pythonCommand: o.pythonCommand ?? "python3",
    apigPort: o.apigPort === undefined ? undefined : port("apigPort", o.apigPort),
    asyncQueue: Object.fromEntries(Object.entries(ASYNC_QUEUE_LIMITS).map(([k, d]) =>
      [k, positive(`asyncQueue.${k}`, o.asyncQueue?.[k as keyof AsyncQueueLimits], d)])) as unknown as AsyncQueueLimits,
  };
}
