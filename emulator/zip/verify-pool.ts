/**
 * Verifies uploaded code zips off the event loop, so the emulator answers other requests while a 50 MB upload
 * is checked: the zip (in shared memory) is split into shards verified by worker threads at the same time,
 * one of which also computes the SHA512 digest. Workers start on first use, are unref'd (they never keep a
 * process alive) and exit after ten idle minutes: until then each remembers the entries it verified, so the
 * next upload of an edited tree inflates only what changed (verify.ts `VerifiedEntries`). They also take
 * hashes fed piece by piece while a body arrives (`streamingHash`). Without a worker script (e.g. run from
 * sources), the same work runs on the calling thread.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ZipError, type ZipErrorCode } from "./error";
import type { ArchiveLimits } from "./limits";
import { VerifiedEntries, verifyZip } from "./verify";

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
  /** Whether some shard digests (it then gets a smaller share of the entries: verify.ts `shardOf`). */
  weighted: boolean;
  /** Check the central directory against these first. */
  limits?: ArchiveLimits;
  /** The id of the stream whose walk checked entries of this zip as it arrived (`streamingHash` with `walk`). */
  walked?: number;
}

/** A piece of a hash computed across messages (`streamingHash`); the `last` one is answered with the digest. */
export interface HashRequest {
  kind: "hash";
  algorithm: "sha256" | "sha512";
  id: number;
  /** The bytes to hash next: `buffer[offset, offset + length)`. */
  buffer: SharedArrayBuffer;
  offset: number;
  length: number;
  /** Base64 text to decode into those bytes first (they must come out exactly `length` bytes long). */
  base64?: { buffer: SharedArrayBuffer; offset: number; length: number };
  /** The bytes are a zip, given in order from the start of `buffer`: walk its entries (stream-walk.ts). */
  walk?: boolean;
  last: boolean;
}

/** A worker's answer to one `VerifyRequest` (or to the last `HashRequest` of a digest). */
export interface VerifyReply {
  id: number;
  entries?: number;
  sha512?: string;
  /** The digest of a streamed hash. */
  digest?: string;
  /** The walk of a streamed zip reached its central directory (it is kept for the verification). */
  walked?: boolean;
  error?: string;
  /** The `ZipError` code of `error` (a zip refused). */
  errorCode?: ZipErrorCode;
}

/** Workers exit after this long without work. */
const IDLE_MS = 10 * 60_000;
/** At most this many verification threads. */
const MAX_WORKERS = 2;

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: VerifyReply) => void; reject: (e: Error) => void }>;
  idle?: NodeJS.Timeout;
}

const slots: Slot[] = [];
/** What the calling thread verified, when there is no worker script. */
const inlineVerified = new VerifiedEntries();
let nextId = 0;

function workerScript(): string | undefined {
  const p = path.join(__dirname, "verify-worker.js");
  return fs.existsSync(p) ? p : undefined;
}

function startSlot(script: string): Slot {
  const worker = new Worker(script);
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
      worker.unref();
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
  worker.unref(); // after the listeners: attaching a 'message' listener refs the worker's port again
  return slot;
}

/** The worker slots, started as needed: one per core, at most `MAX_WORKERS`. */
function readySlots(script: string): Slot[] {
  const count = Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
  while (slots.length < count) slots.push(startSlot(script));
  return slots.slice(0, count);
}

/** Waits for the reply `id` on `slot`: the worker keeps the process alive only while a reply is awaited. */
function awaitReply(slot: Slot, id: number): Promise<VerifyReply> {
  if (slot.idle) clearTimeout(slot.idle);
  slot.idle = undefined;
  slot.worker.ref();
  return new Promise((resolve, reject) => slot.pending.set(id, { resolve, reject }));
}

function run(slot: Slot, req: Omit<VerifyRequest, "id">): Promise<VerifyReply> {
  const id = nextId++;
  const reply = awaitReply(slot, id);
  slot.worker.postMessage({ ...req, id } satisfies VerifyRequest);
  return reply;
}

/** A hash fed piece by piece from shared memory, computed on a verification worker. */
export interface StreamingHash {
  /**
   * Hashes `view` next (it must live in a `SharedArrayBuffer` and must not change afterwards). With `base64`
   * (shared memory too), the worker first decodes that text into `view`; if it does not decode to exactly
   * `view.length` bytes, `digest` rejects.
   */
  update(view: Buffer, base64?: Buffer): void;
  /** The hex digest of everything given to `update`. */
  digest(): Promise<string>;
  /** After `digest`: the walk to hand to `verifyCodeZip`, when the hash walked a zip to its central directory. */
  walk?: ZipWalk;
}

/** A zip walked as it arrived, on one worker (opaque: pass it to `verifyCodeZip`). */
export interface ZipWalk {
  readonly slot: unknown;
  readonly id: number;
}

/**
 * Base64 characters turned into one string at a time (a multiple of 4): below V8's large-object size (128 KiB),
 * from which each string is allocated in its own fresh pages — decoding a 4 MiB slice whole cost 10–30x the CPU.
 */
const DECODE_PIECE = 96 * 1024;

/** Decodes `base64` into `into` (exactly its length); false when the text is not that much valid Base64. */
export function decodeBase64Into(base64: Buffer, into: Buffer): boolean {
  // An invalid character makes Node's decoder skip it and write fewer bytes: that is how it shows. Each piece
  // decodes to at most its valid length, so the total reaches `into.length` only if every piece is valid.
  let at = 0;
  for (let i = 0; i < base64.length && at < into.length; i += DECODE_PIECE) {
    at += into.write(base64.toString("latin1", i, Math.min(base64.length, i + DECODE_PIECE)), at, into.length - at, "base64");
  }
  return at === into.length;
}

/**
 * Starts a hash whose updates run on verification worker `worker` (the event loop only posts messages), or on
 * the calling thread without a worker script. With `walk`, the updates are a zip from its first byte on, and
 * the worker checks its entries as they complete (stream-walk.ts).
 */
export function streamingHash(algorithm: HashRequest["algorithm"], worker: number, walk = false): StreamingHash {
  const script = workerScript();
  if (!script) {
    const hash = createHash(algorithm);
    let bad = false;
    return {
      update: (view, base64) => {
        if (base64 && !decodeBase64Into(base64, view)) bad = true;
        hash.update(view);
      },
      digest: async () => {
        if (bad) throw new Error("the Base64 text did not decode to the expected length");
        return hash.digest("hex");
      },
    };
  }
  const ready = readySlots(script);
  const slot = ready[worker % ready.length];
  if (slot.idle) clearTimeout(slot.idle);
  slot.idle = undefined;
  const id = nextId++;
  const post = (view: Buffer | undefined, last: boolean, base64?: Buffer) => slot.worker.postMessage({
    kind: "hash", algorithm, id, buffer: (view?.buffer ?? new SharedArrayBuffer(0)) as SharedArrayBuffer, offset: view?.byteOffset ?? 0, length: view?.length ?? 0, last,
    ...(base64 ? { base64: { buffer: base64.buffer as SharedArrayBuffer, offset: base64.byteOffset, length: base64.length } } : {}),
    ...(walk ? { walk } : {}),
  } satisfies HashRequest);
  const hash: StreamingHash = {
    update: (view, base64) => post(view, false, base64),
    digest: async () => {
      const reply = awaitReply(slot, id);
      post(undefined, true);
      const r = await reply;
      if (r.digest === undefined) throw new Error(`${algorithm} on the verification worker failed: ${r.error}`);
      if (r.walked) hash.walk = { slot, id };
      return r.digest;
    },
  };
  return hash;
}

/** `zip` in shared memory: as it is when already there, else one copy. */
function shared(zip: Buffer): { buffer: SharedArrayBuffer; offset: number; length: number } {
  if (zip.buffer instanceof SharedArrayBuffer) return { buffer: zip.buffer, offset: zip.byteOffset, length: zip.length };
  const buffer = new SharedArrayBuffer(zip.length);
  zip.copy(Buffer.from(buffer));
  return { buffer, offset: 0, length: zip.length };
}

/**
 * Verifies every entry of `zip` (structure, sizes, CRC-32; see verify.ts), after checking its central
 * directory against `limits` when given, and returns its SHA512 (hex; `knownSha512` when the caller already
 * computed it). With the `walk` of the stream that computed it, entries checked as the zip arrived are not
 * checked again. Rejects with a `ZipError`: `ZIP_INVALID` when the
 * zip is not valid, `ZIP_LIMIT` when it breaks a limit. A zip allocated in a `SharedArrayBuffer` (see
 * `allocShared`) reaches the workers without a copy.
 */
export async function verifyCodeZip(
  zip: Buffer, limits?: ArchiveLimits, knownSha512?: string, walk?: ZipWalk,
): Promise<{ sha512: string; entries: number }> {
  const script = workerScript();
  if (!script) {
    const entries = await verifyZip(zip, 0, 1, inlineVerified, limits);
    return { sha512: knownSha512 ?? createHash("sha512").update(zip).digest("hex"), entries };
  }
  const ready = readySlots(script);
  const mem = shared(zip);
  // Walked as it arrived: what is left is reading the central directory, on the worker that holds the walk.
  const walker = walk && ready.find((slot) => slot === walk.slot);
  const slotsUsed = walker ? [walker] : ready;
  const shards = slotsUsed.length;
  const weighted = knownSha512 === undefined;
  const replies = await Promise.all(slotsUsed.map((slot, shard) =>
    run(slot, { ...mem, shard, shards, digest: weighted && shard === 0, weighted, limits, ...(walker ? { walked: walk!.id } : {}) })));
  const failed = replies.find((r) => r.error !== undefined);
  if (failed) throw new ZipError(failed.errorCode ?? "ZIP_INVALID", failed.error!);
  return { sha512: knownSha512 ?? replies[0].sha512!, entries: replies[0].entries ?? 0 };
}

/** A zero-filled Buffer of `size` bytes in shared memory, for data that `verifyCodeZip` will read. */
export function allocShared(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
