/**
 * Verifies uploaded code zips off the event loop, so the emulator answers other requests while a 50 MB upload
 * is checked: the zip (in shared memory) is split into shards verified by worker threads at the same time,
 * one of which also computes the SHA512 digest. Workers start on first use, are unref'd (they never keep a
 * process alive) and exit after a short idle time. Without a worker script (e.g. run from sources), the same
 * verification runs on the calling thread.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { verifyZip, ZipVerifyError } from "./zip-verify";

/** A shard to verify: the zip is `buffer[offset, offset + length)`. */
export interface VerifyRequest {
  id: number;
  buffer: SharedArrayBuffer;
  offset: number;
  length: number;
  shard: number;
  shards: number;
  /** Also compute the zip's SHA512. */
  digest: boolean;
}

/** A worker's answer to one `VerifyRequest`. */
export interface VerifyReply {
  id: number;
  entries?: number;
  sha512?: string;
  error?: string;
}

/** Workers exit after this long without work. */
const IDLE_MS = 5_000;
/** At most this many verification threads. */
const MAX_WORKERS = 2;

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: VerifyReply) => void; reject: (e: Error) => void }>;
  idle?: NodeJS.Timeout;
}

const slots: Slot[] = [];
let nextId = 0;

function workerScript(): string | undefined {
  const p = path.join(__dirname, "zip-verify-worker.js");
  return fs.existsSync(p) ? p : undefined;
}

function startSlot(script: string): Slot {
  const worker = new Worker(script);
  worker.unref();
  const slot: Slot = { worker, pending: new Map() };
  const failAll = (err: Error) => {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
  };
  worker.on("message", (reply: VerifyReply) => {
    const p = slot.pending.get(reply.id);
    if (!p) return;
    slot.pending.delete(reply.id);
    p.resolve(reply);
    if (slot.pending.size === 0) {
      slot.idle = setTimeout(() => {
        const i = slots.indexOf(slot);
        if (i >= 0) slots.splice(i, 1);
        void worker.terminate();
      }, IDLE_MS);
      slot.idle.unref();
    }
  });
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`zip verification worker exited (code ${code})`)));
  return slot;
}

function run(slot: Slot, req: Omit<VerifyRequest, "id">): Promise<VerifyReply> {
  if (slot.idle) clearTimeout(slot.idle);
  slot.idle = undefined;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    slot.pending.set(id, { resolve, reject });
    slot.worker.postMessage({ ...req, id } satisfies VerifyRequest);
  });
}

/** `zip` in shared memory: as it is when already there, else one copy. */
function shared(zip: Buffer): { buffer: SharedArrayBuffer; offset: number; length: number } {
  if (zip.buffer instanceof SharedArrayBuffer) return { buffer: zip.buffer, offset: zip.byteOffset, length: zip.length };
  const buffer = new SharedArrayBuffer(zip.length);
  zip.copy(Buffer.from(buffer));
  return { buffer, offset: 0, length: zip.length };
}

/**
 * Verifies every entry of `zip` (structure, sizes, CRC-32; see zip-verify.ts) and returns its SHA512 (hex).
 * Rejects with `ZipVerifyError` when the zip is not valid. A zip allocated in a `SharedArrayBuffer` (see
 * `allocShared`) reaches the workers without a copy.
 */
export async function verifyCodeZip(zip: Buffer): Promise<{ sha512: string; entries: number }> {
  const script = workerScript();
  if (!script) {
    const entries = await verifyZip(zip);
    return { sha512: createHash("sha512").update(zip).digest("hex"), entries };
  }
  const shards = Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
  while (slots.length < shards) slots.push(startSlot(script));
  const mem = shared(zip);
  const replies = await Promise.all(slots.slice(0, shards).map((slot, shard) => run(slot, { ...mem, shard, shards, digest: shard === 0 })));
  const failed = replies.find((r) => r.error !== undefined);
  if (failed) throw new ZipVerifyError(failed.error!);
  return { sha512: replies[0].sha512!, entries: replies[0].entries ?? 0 };
}

/** A zero-filled Buffer of `size` bytes in shared memory, for data that `verifyCodeZip` will read. */
export function allocShared(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
