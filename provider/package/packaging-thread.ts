/**
 * The packaging thread: a source of many files is zipped on a worker thread of its own, which walks the tree,
 * takes deflate batches itself beside one deflate worker (options.ts `workerCount`), assembles the zip's
 * headers and writes the caches, then hands back the package as plain data (package-source.ts
 * `SpooledPackage`: the zip's layout; the header buffers are transferred, not copied). The spool its bodies go
 * to is opened by the calling thread, which keeps owning it: the thread never closes it (Node closes a
 * worker's own descriptors when it ends), and the caller discards it on any failure, a crash included.
 *
 * Why: memory. On the calling thread the walk's records and the workers' results survive until the zip is
 * assembled, and V8 grows that thread's young generation to its maximum for them (~26 MB committed packaging
 * `node_modules`), and its own deflate outputs would linger there (options.ts); this thread's young
 * generation is kept small, and it replaces the second deflate worker instead of adding a thread. Every output
 * byte is the same (the same code runs; the tests compare). A small source stays on the calling thread: the
 * thread's start (~0.1 s) would cost more than it saves; so does any source when the thread cannot start.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { locateWorkerScript } from "./deflate-pool";
import { PACKAGING_ERROR_CODES, PackagingError, type PackagingErrorCode } from "./errors";
import type { CacheLocation } from "./hash-cache";
import { PIPELINE, type ResolvedPackagingOptions } from "./options";
import type { PackageJob, SpooledPackage } from "./package-source";
import type { SpoolHandle } from "./spool";

/** File name of the compiled thread entry (packaging-thread-worker.ts), next to this module in dist/. */
const THREAD_FILE = "packaging-thread-worker.js";

/** Young-generation size of the packaging thread (MB): 1, 2 and 4 measured within a few MB of each other. */
const THREAD_YOUNG_MB = 2;

/** What the thread is given: the job (its spool as a handle: the calling thread keeps owning it) and the options. */
export interface PackagingThreadInput {
  dir: string;
  caches: CacheLocation | undefined;
  spool: SpoolHandle;
  options: ResolvedPackagingOptions;
}

/** An error as it crosses threads (structured clone keeps neither the class nor `code`, `path`, `cause`…). */
export interface ThreadError {
  message: string;
  stack?: string;
  code?: string;
  path?: string;
  errno?: number;
  syscall?: string;
  cause?: ThreadError;
}

/** The thread's one message. */
export type PackagingThreadReply = { built: SpooledPackage } | { error: ThreadError };

/**
 * The thread script to zip `dir` on, or undefined to zip it on the calling thread: when the caller chose the
 * worker count (`workerThreads`), on the packaging thread itself, when the directory holds fewer than
 * `PIPELINE.packagingThreadFromEntries` entries, or when the script cannot be found.
 */
export function packagingThreadScript(dir: string, options: ResolvedPackagingOptions): string | undefined {
  if (options.workerThreads !== undefined || options.onPackagingThread) return undefined;
  if (!holdsAtLeast(dir, PIPELINE.packagingThreadFromEntries)) return undefined;
  return locateWorkerScript(THREAD_FILE);
}

/**
 * Whether the tree under `dir` holds at least `n` entries, counted breadth-first without following links or
 * applying ignore rules, stopping at `n` (a guess of the work ahead, never an answer: an unreadable directory
 * is skipped here and reported by the walk).
 */
function holdsAtLeast(dir: string, n: number): boolean {
  const queue = [dir];
  let count = 0;
  for (let i = 0; i < queue.length; i++) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(queue[i], { withFileTypes: true });
    } catch {
      continue;
    }
    count += entries.length;
    if (count >= n) return true;
    for (const e of entries) if (e.isDirectory()) queue.push(path.join(queue[i], e.name));
  }
  return false;
}

/** An error as the thread reports it: its message, stack and the fields callers read (`code`, `path`, `errno`, `syscall`, `cause`). */
export function errorForThread(err: unknown, depth = 0): ThreadError {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; path?: unknown; errno?: unknown; syscall?: unknown };
  return {
    message: e.message, ...(e.stack ? { stack: e.stack } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}), ...(typeof e.path === "string" ? { path: e.path } : {}),
    ...(typeof e.errno === "number" ? { errno: e.errno } : {}), ...(typeof e.syscall === "string" ? { syscall: e.syscall } : {}),
    ...(e.cause !== undefined && depth < 3 ? { cause: errorForThread(e.cause, depth + 1) } : {}),
  };
}

/** The error thrown on the calling thread for one the thread reported: a `PackagingError` stays one, the rest keep their fields. */
export function errorFromThread(e: ThreadError): Error {
  const cause = e.cause && errorFromThread(e.cause);
  const err = e.code !== undefined && e.path !== undefined && (PACKAGING_ERROR_CODES as readonly string[]).includes(e.code)
    ? new PackagingError(e.code as PackagingErrorCode, e.path, e.message, cause ? { cause } : undefined)
    : Object.assign(new Error(e.message, cause ? { cause } : undefined), pick(e, ["code", "path", "errno", "syscall"]));
  if (e.stack) err.stack = e.stack; // where it was thrown, on the thread
  return err;
}

function pick(e: ThreadError, keys: readonly (keyof ThreadError)[]): Partial<ThreadError> {
  return Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]]));
}

/** Why the thread died without an answer, and what to do about it. */
function threadFailure(err: Error & { code?: string }): Error {
  const fix = err.code === "ERR_WORKER_OUT_OF_MEMORY"
    ? ": it reached the process's heap limit; raise it (node --max-old-space-size, or NODE_OPTIONS) or exclude files from the source"
    : `: ${err.message}`;
  return Object.assign(new Error(`the packaging thread failed${fix}`, { cause: err }), err.code ? { code: err.code } : {});
}

/**
 * Zips `job` on the packaging thread `script` (see the module doc); rejects as `buildPackage` would. Resolves
 * undefined when the thread could not start (the permission model without `--allow-worker`, no descriptors
 * left…): the caller then zips on its own thread, as for a small source.
 */
export function packageOnThread(script: string, job: PackageJob, options: ResolvedPackagingOptions): Promise<SpooledPackage | undefined> {
  return new Promise((resolve, reject) => {
    const { fd, end, path: spoolPath } = job.spool;
    let worker: Worker;
    try {
      worker = new Worker(script, {
        workerData: { dir: job.dir, caches: job.caches, spool: { fd, end, path: spoolPath }, options } satisfies PackagingThreadInput,
        resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB },
      });
    } catch {
      return resolve(undefined);
    }
    let started = false;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on("online", () => { started = true; });
    worker.on("message", (reply: PackagingThreadReply) => settle(() => {
      if ("error" in reply) return reject(errorFromThread(reply.error));
      // Buffers arrive as Uint8Arrays: viewed as Buffers again, not copied.
      const { layout } = reply.built;
      const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      resolve({ ...reply.built, layout: { ...layout, headers: asBuffer(layout.headers), central: asBuffer(layout.central) } });
    }));
    worker.on("error", (err) => settle(() => (started ? reject(threadFailure(err)) : resolve(undefined))));
    worker.on("exit", (code) => settle(() => reject(new Error(`the packaging thread exited without a package (code ${code})`))));
  });
}
