/**
 * The packaging thread: a source of many files is zipped on a worker thread of its own, which walks the tree,
 * takes deflate batches itself beside one deflate worker (options.ts `workerCount`), assembles the zip's
 * headers and writes the caches, then hands back the package as plain data (package-source.ts
 * `SpooledPackage`: the spool's descriptor and the zip's layout; the headers are transferred, not copied).
 *
 * Why: memory. On the calling thread the walk's records and the workers' results survive until the zip is
 * assembled, and V8 grows that thread's young generation to its maximum for them (~26 MB committed packaging
 * `node_modules`), and its own deflate outputs would linger there (options.ts); this thread's young
 * generation is kept small, and it replaces the second deflate worker instead of adding a thread. Every output
 * byte is the same (the same code runs; the tests compare). A small source stays on the calling thread: the
 * thread's start (~0.1 s) would cost more than it saves.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { locateWorkerScript } from "./deflate-pool";
import { PACKAGING_ERROR_CODES, PackagingError, type PackagingErrorCode } from "./errors";
import { PIPELINE, type ResolvedPackagingOptions } from "./options";
import type { SpooledPackage } from "./package-source";

/** File name of the compiled thread entry (packaging-thread-worker.ts), next to this module in dist/. */
const THREAD_FILE = "packaging-thread-worker.js";

/** Young-generation size of the packaging thread (MB): 1, 2 and 4 measured alike, the default ~10 MB more. */
const THREAD_YOUNG_MB = 2;

/** What the thread is given. */
export interface PackagingThreadInput {
  dir: string;
  options: ResolvedPackagingOptions;
}

/** An error as it crosses threads (structured clone keeps neither the class nor `code`/`path`). */
export interface ThreadError {
  message: string;
  code?: string;
  path?: string;
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

/** The error thrown on the calling thread for one the thread reported: a `PackagingError` stays one. */
export function errorFromThread(e: ThreadError): Error {
  if (e.code !== undefined && e.path !== undefined && (PACKAGING_ERROR_CODES as readonly string[]).includes(e.code)) {
    return new PackagingError(e.code as PackagingErrorCode, e.path, e.message);
  }
  return Object.assign(new Error(e.message), e.code !== undefined ? { code: e.code } : {});
}

/** An error as the thread reports it. */
export function errorForThread(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { message: String(err) };
  const { code, path: at } = err as { code?: unknown; path?: unknown };
  return { message: err.message, ...(typeof code === "string" ? { code } : {}), ...(typeof at === "string" ? { path: at } : {}) };
}

/** Zips `dir` on the packaging thread `script` (see the module doc); rejects as `buildPackage` would. */
export function packageOnThread(script: string, dir: string, options: ResolvedPackagingOptions): Promise<SpooledPackage> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, {
      workerData: { dir, options } satisfies PackagingThreadInput,
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB },
      // The spool's descriptor outlives the thread (Node closes a worker's raw descriptors at its exit by
      // default). Its deflate workers inherit this; they close every file they open. A thread that crashes
      // leaves its spool open until the process ends (an anonymous spool has no name; a named one is pruned
      // with the caches).
      trackUnmanagedFds: false,
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on("message", (reply: PackagingThreadReply) => settle(() => {
      if ("error" in reply) return reject(errorFromThread(reply.error));
      // Buffers arrive as Uint8Arrays: viewed as Buffers again, not copied.
      const { layout } = reply.built;
      const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      resolve({ ...reply.built, layout: { ...layout, headers: asBuffer(layout.headers), central: asBuffer(layout.central) } });
    }));
    worker.on("error", (err) => settle(() => reject(new Error(`the packaging thread failed: ${err.message}`, { cause: err }))));
    worker.on("exit", (code) => settle(() => reject(new Error(`the packaging thread exited without a package (code ${code})`))));
  });
}
