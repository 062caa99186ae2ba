/**
 * A small pool of worker threads that checksum and deflate batches of file contents.
 *
 * Why our own zip writer with workers instead of archiver: deflate is the bottleneck (~66 MB/s per core at
 * level 6) and archiver deflates one entry at a time on the main thread through a chain of async steps, so it
 * is ~6x slower than deflating entries on 2 worker threads (docs/packaging.md); node:zlib's async calls on the
 * libuv pool measured no faster. The pool is created per packaging call and terminated at its end (workers
 * are also unref'd), so nothing outlives the call: the Pulumi dynamic-provider process can exit, and there is
 * no module-level state for Pulumi's function serializer to capture.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { newBatchContext, processBatch, type BatchContext } from "./deflate-batch";
import type { DeflateRequest, DeflateResponse, SpoolTarget } from "./deflate-protocol";

/** Young-generation size of a worker (see `startDeflatePool`). */
const WORKER_YOUNG_MB = 1;

/** File name of the compiled worker script, next to this module in dist/. */
const WORKER_FILE = "deflate-worker.js";

/**
 * Finds a compiled worker script of this directory (`file`, the deflate worker's by default): next to this module, or — when this code was serialized by Pulumi into
 * the dynamic provider and `__dirname` is no longer the package's — inside the installed
 * `pulumi-functiongraph` package (resolved from here, then from the program directory). Returns undefined
 * when there is none; the caller then runs the same batches on the calling thread (correct, just slower).
 */
export function locateWorkerScript(file = WORKER_FILE): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === "string") candidates.push(path.join(__dirname, file));
  for (const paths of [undefined, [process.cwd()]]) {
    try {
      const pkg = require.resolve("pulumi-functiongraph/package.json", paths ? { paths } : undefined);
      candidates.push(path.join(path.dirname(pkg), "dist", "provider", "package", file));
    } catch {
      // not installed as a package from there
    }
  }
  return candidates.find((c) => fs.existsSync(c));
}

/** A worker's reply to one batch: the file records, and the bodies or where they were spooled. */
export type BatchResult = Required<Pick<DeflateResponse, "files">> & Pick<DeflateResponse, "bodies" | "spooledAt">;

/** Handle on a running pool. */
export interface DeflatePool {
  /**
   * Sends a batch of paths (`bytes` = their total size, for load balancing) to the least-loaded worker; with
   * `spool`, the bodies are written there.
   */
  submit(level: number, paths: string[], bytes: number, spool?: SpoolTarget): Promise<BatchResult>;
  /** Terminates every worker; pending submissions reject. */
  close(): Promise<void>;
  /** How many batches the calling thread processed (all of them for a pool without workers). */
  callerBatches(): number;
}

/** Batches one claim table covers; a new table is made for the next ones (see `claimSlot`). */
const CLAIMS_PER_TABLE = 4096;

/**
 * Starts `size` workers (unref'd: they never keep the process alive). `size` 0 (or no worker script found)
 * gives a pool that runs each batch on the calling thread, one per event-loop turn: for small sources,
 * starting threads costs more than the work.
 *
 * With `stealUpTo` > 0 the calling thread also takes part whenever its event loop is free (after the walk,
 * which is synchronous, and while it only awaits results): it takes the most recently submitted batch of at
 * most `stealUpTo` bytes that no worker has started, one per event-loop turn. Each batch has a claim in
 * shared memory that the worker and the calling thread race for with a compare-and-exchange, so every batch
 * is processed exactly once, by whichever thread claims it first; a worker skips a batch claimed before it
 * got there. On two cores one worker and the calling thread keep both cores busy without a second worker's
 * start and memory (measured in the README's performance section).
 */
export function startDeflatePool(size: number, stealUpTo = 0): DeflatePool {
  const script = size === 0 ? undefined : locateWorkerScript();
  if (!script) return inlinePool();
  type Slot = { worker: Worker; load: number; pending: Map<number, Pending>; closing: boolean };
  type Pending = { resolve: (r: BatchResult) => void; reject: (e: Error) => void; bytes: number; slot: Slot; req?: DeflateRequest; claims?: Int32Array };
  const pending = new Map<number, Pending>();
  const settled = (id: number): Pending | undefined => {
    const p = pending.get(id);
    if (!p) return undefined;
    pending.delete(id);
    p.slot.pending.delete(id);
    p.slot.load -= p.bytes;
    return p;
  };
  // Where no worker may start (the permission model without --allow-worker), the batches run here.
  const started: Worker[] = [];
  try {
    // A small young generation: a worker's garbage is mostly short-lived buffers, and V8's default lets it
    // grow to tens of MB per thread before a scavenge (measured packaging node_modules with two workers: 203 MB peak RSS with the default, 176 MB with 2 MB, ~155 MB with 1 MB, at the same CPU time).
    for (let i = 0; i < size; i++) started.push(new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } }));
  } catch {
    for (const w of started) void w.terminate();
    return inlinePool();
  }
  const slots: Slot[] = started.map((worker) => {
    worker.unref();
    const slot: Slot = { worker, load: 0, pending: new Map<number, Pending>(), closing: false };
    const failAll = (err: Error): void => {
      for (const id of [...slot.pending.keys()]) settled(id)?.reject(err);
    };
    worker.on("message", (msg: DeflateResponse) => {
      const p = settled(msg.id);
      if (!p) return;
      if (msg.error || !msg.files || (!msg.bodies && msg.spooledAt === undefined)) p.reject(new Error(`packaging worker failed: ${msg.error ?? "empty reply"}`));
      else p.resolve({ files: msg.files, bodies: msg.bodies, spooledAt: msg.spooledAt });
    });
    worker.on("error", (err) => failAll(err));
    worker.on("exit", (code) => {
      if (!slot.closing) failAll(new Error(`packaging worker exited unexpectedly (code ${code})`));
    });
    return slot;
  });
  let nextId = 0;
  let closed = false;

  // Work stealing (see the doc above): candidates in submission order, taken from the end.
  let table: SharedArrayBuffer | undefined;
  let claims: Int32Array | undefined; // the calling thread's view of `table`, made once per table
  let claimed = 0;
  const stealable: number[] = [];
  let ctx: BatchContext | undefined;
  let stealing = false;
  let stolen = 0;
  // Function declarations (hoisted): the two refer to each other, and Pulumi's closure serializer needs both bound.
  function stealOne(): void {
    stealing = false;
    if (closed) return;
    while (stealable.length > 0) {
      const id = stealable.pop()!;
      const p = pending.get(id);
      if (!p?.req?.claim || Atomics.compareExchange(p.claims!, p.req.claim.index, 0, 1) !== 0) continue; // answered, or a worker has it
      settled(id);
      stolen++;
      try {
        const { response } = processBatch(p.req, (ctx ??= newBatchContext()));
        p.resolve({ files: response.files!, bodies: response.bodies, spooledAt: response.spooledAt });
      } catch (err) {
        p.reject(err instanceof Error ? err : new Error(String(err)));
      }
      break;
    }
    if (stealable.length > 0) scheduleSteal();
  }
  function scheduleSteal(): void {
    if (stealing || closed) return;
    stealing = true;
    setImmediate(stealOne);
  }

  return {
    submit(level, paths, bytes, spool) {
      let slot = slots[0];
      for (const s of slots) if (s.load < slot.load) slot = s;
      const id = nextId++;
      slot.load += bytes;
      const steal = stealUpTo > 0 && bytes <= stealUpTo;
      let claim: DeflateRequest["claim"];
      if (steal) {
        const index = claimed++ % CLAIMS_PER_TABLE;
        if (index === 0) {
          table = new SharedArrayBuffer(CLAIMS_PER_TABLE * 4);
          claims = new Int32Array(table);
        }
        claim = { table: table!, index };
      }
      const req: DeflateRequest = { id, level, paths, spool, claim };
      return new Promise((resolve, reject) => {
        // The request is kept only while the calling thread may take it.
        const p: Pending = { resolve, reject, bytes, slot, req: steal ? req : undefined, claims: steal ? claims : undefined };
        pending.set(id, p);
        slot.pending.set(id, p);
        slot.worker.postMessage(req);
        if (steal) {
          stealable.push(id);
          scheduleSteal();
        }
      });
    },
    callerBatches: () => stolen,
    async close() {
      closed = true;
      await Promise.all(
        slots.map((s) => {
          s.closing = true;
          return s.worker.terminate();
        }),
      );
    },
  };
}

function inlinePool(): DeflatePool {
  let nextId = 0;
  let closed = false;
  const ctx = newBatchContext();
  return {
    submit(level, paths, _bytes, spool) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          // After close the spool's and the cache's descriptors may be closed (and their numbers reused).
          if (closed) return reject(new Error("packaging pool closed"));
          try {
            const { response } = processBatch({ id, level, paths, spool }, ctx);
            resolve({ files: response.files!, bodies: response.bodies, spooledAt: response.spooledAt });
          } catch (err) {
            reject(err);
          }
        });
      });
    },
    async close() {
      closed = true;
    },
    callerBatches: () => nextId,
  };
}
