/**
 * Staging one file in OBS under a content-addressed key, converging after any interruption:
 *
 * 1. HEAD the key: an object of the right size is already there → nothing is uploaded.
 * 2. Small files: one PUT, streamed from the file.
 * 3. Big files: multipart. Uploads left for this key by an interrupted run are found (list uploads) and resumed —
 *    parts whose size and MD5 match the file are kept — or aborted; the parts are streamed from file ranges,
 *    `concurrency` at a time (memory: a few stream buffers per part, never the file); on failure the upload is
 *    aborted; after completion no upload for the key is left behind.
 *
 * Progress is reported through `onProgress` (one line per ~10 % and per phase).
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import type { ObsClient, PartInfo } from "./client";

/** Staging options. */
export interface StageOptions {
  bucket: string;
  key: string;
  /** The file to upload (read in ranges; never loaded whole). */
  file: string;
  /** Files at least this big go multipart (default 32 MiB). */
  multipartThreshold?: number;
  /** Part size (default 16 MiB; grown so a file never needs more than 10,000 parts). */
  partSize?: number;
  /** Parts in flight (default 4). */
  concurrency?: number;
  onProgress?: (message: string) => void;
}

/** What staging did. */
export interface StageResult {
  /** False when the object was already there (HEAD) and nothing was sent. */
  uploaded: boolean;
  etag: string;
  size: number;
  /** Parts uploaded / parts reused from an interrupted upload (multipart only). */
  parts?: { uploaded: number; reused: number };
  /** Uploads for this key that were aborted (stale ones from interrupted runs, or ours after a failure). */
  aborted: number;
}

/** Defaults (bytes). */
export const STAGE_DEFAULTS = { multipartThreshold: 32 * 1024 * 1024, partSize: 16 * 1024 * 1024, concurrency: 4 } as const;

/** Smallest part OBS accepts (except the last). */
const MIN_PART = 100 * 1024;
const MAX_PARTS = 10_000;

/** The part size to use for a file: the wanted one, grown to stay within 10,000 parts. */
export function partSizeFor(size: number, wanted: number): number {
  return Math.max(MIN_PART, wanted, Math.ceil(size / MAX_PARTS));
}

async function md5OfRange(file: string, start: number, length: number): Promise<string> {
  const md5 = createHash("md5");
  if (length === 0) return md5.digest("hex");
  for await (const chunk of createReadStream(file, { start, end: start + length - 1, highWaterMark: 1024 * 1024 })) md5.update(chunk as Buffer);
  return md5.digest("hex");
}

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Uploads `file` to `bucket/key` unless it is already there; see the module comment. */
export async function stageFile(client: ObsClient, o: StageOptions): Promise<StageResult> {
  const { size } = await fs.stat(o.file);
  const say = o.onProgress ?? (() => {});
  const existing = await client.headObject(o.bucket, o.key);
  if (existing && existing.size === size) {
    say(`${o.bucket}/${o.key} is already in OBS (${mb(size)}); not uploading`);
    return { uploaded: false, etag: existing.etag, size, aborted: 0 };
  }
  const threshold = o.multipartThreshold ?? STAGE_DEFAULTS.multipartThreshold;
  if (size < threshold) {
    const etag = await client.putObject(o.bucket, o.key, { file: o.file, start: 0, length: size });
    say(`uploaded ${mb(size)} to ${o.bucket}/${o.key}`);
    return { uploaded: true, etag, size, aborted: await cleanUp(client, o.bucket, o.key, undefined) };
  }
  return multipart(client, o, size, say);
}

/** Aborts every upload for exactly `key` except `keep`; returns how many were aborted. */
async function cleanUp(client: ObsClient, bucket: string, key: string, keep: string | undefined): Promise<number> {
  const stale = (await client.listUploads(bucket, key)).filter((u) => u.key === key && u.uploadId !== keep);
  for (const u of stale) await client.abortUpload(bucket, key, u.uploadId);
  return stale.length;
}

async function multipart(client: ObsClient, o: StageOptions, size: number, say: (m: string) => void): Promise<StageResult> {
  const partSize = partSizeFor(size, o.partSize ?? STAGE_DEFAULTS.partSize);
  const count = Math.ceil(size / partSize);
  const range = (n: number) => ({ start: (n - 1) * partSize, length: Math.min(partSize, size - (n - 1) * partSize) });

  // Uploads left by interrupted runs: resume the newest one holding parts that match the file byte for byte
  // (checked by MD5 against the part's ETag), abort every other one.
  const previous = (await client.listUploads(o.bucket, o.key)).filter((u) => u.key === o.key)
    .sort((a, b) => b.initiated.localeCompare(a.initiated));
  let uploadId: string | undefined;
  const done = new Map<number, string>();
  let aborted = 0;
  for (const candidate of previous) {
    if (uploadId === undefined) {
      const parts = await client.listParts(o.bucket, o.key, candidate.uploadId).catch((): PartInfo[] => []);
      for (const p of parts) {
        const r = range(p.partNumber);
        if (p.partNumber > count || p.size !== r.length) continue;
        if ((await md5OfRange(o.file, r.start, r.length)) === p.etag) done.set(p.partNumber, p.etag);
      }
      if (done.size > 0) {
        uploadId = candidate.uploadId;
        say(`resuming an interrupted upload of ${o.bucket}/${o.key}: ${done.size} of ${count} parts already there`);
        continue;
      }
    }
    await client.abortUpload(o.bucket, o.key, candidate.uploadId);
    aborted++;
  }
  if (aborted > 0) say(`aborted ${aborted} stale multipart upload(s) of ${o.bucket}/${o.key}`);
  uploadId ??= await client.initiateUpload(o.bucket, o.key);

  const reused = done.size;
  const todo = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !done.has(n));
  let sent = [...done.keys()].reduce((n, p) => n + range(p).length, 0);
  let reported = Math.floor((sent / size) * 10);
  say(`uploading ${mb(size)} to ${o.bucket}/${o.key} in ${count} parts of ${mb(partSize)} (${Math.min(o.concurrency ?? STAGE_DEFAULTS.concurrency, todo.length)} at a time)`);
  try {
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const n = todo[next++];
        const r = range(n);
        try {
          done.set(n, await client.uploadPart(o.bucket, o.key, uploadId!, n, { file: o.file, start: r.start, length: r.length }));
        } catch (err) {
          next = todo.length; // the other workers stop taking parts
          throw err;
        }
        sent += r.length;
        const tenth = Math.floor((sent / size) * 10);
        if (tenth > reported && tenth < 10) {
          reported = tenth;
          say(`${o.bucket}/${o.key}: ${mb(sent)} of ${mb(size)} (${tenth * 10}%)`);
        }
      }
    };
    const workers = Array.from({ length: Math.max(1, Math.min(o.concurrency ?? STAGE_DEFAULTS.concurrency, todo.length)) }, worker);
    const results = await Promise.allSettled(workers);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const parts = [...done.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
    let etag: string;
    try {
      etag = await client.completeUpload(o.bucket, o.key, uploadId, parts);
    } catch (err) {
      // A completion whose answer was lost may have landed: the object is there with the right size.
      const landed = await client.headObject(o.bucket, o.key).catch(() => undefined);
      if (!landed || landed.size !== size) throw err;
      etag = landed.etag;
    }
    aborted += await cleanUp(client, o.bucket, o.key, undefined);
    say(`uploaded ${mb(size)} to ${o.bucket}/${o.key}${reused ? ` (${reused} parts reused)` : ""}`);
    return { uploaded: true, etag, size, parts: { uploaded: todo.length, reused }, aborted };
  } catch (err) {
    // Leave nothing behind: the next run starts over (or, if this abort fails too, finds and resumes it).
    await client.abortUpload(o.bucket, o.key, uploadId).then(() => { aborted++; }, () => undefined);
    throw err;
  }
}
