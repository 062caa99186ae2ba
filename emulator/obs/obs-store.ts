/**
 * The OBS emulator's storage: buckets, objects and multipart uploads kept as files, so bodies stream to disk and
 * memory stays bounded whatever the object size. Under `--data-dir` it lives in `<dataDir>/obs/` and survives
 * restarts; otherwise in a temporary directory removed on close.
 *
 * Layout: `buckets/<name>.json`; `objects/<bucket>/<sha256(key)>.{data,json}`; `uploads/<id>/upload.json` with
 * `<part>.part` + `<part>.json`; `tmp/` for bodies being received. Every file is written to `tmp/` (or a
 * `.tmp` name) and renamed into place, data before its metadata, so a crash leaves the old or the new object,
 * never a torn one; loading ignores data without metadata and refuses metadata without data (`DataDirError`).
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, openSync, promises as fs, renameSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataDirError } from "../store/persistence";
import { ObsErrors } from "./obs-errors";

/** A bucket's metadata. */
export interface BucketMeta {
  name: string;
  location: string;
  created: number;
}

/** An object's metadata (its bytes are in a file next to it). */
export interface ObjectMeta {
  bucket: string;
  key: string;
  size: number;
  /** Quoted ETag as answered: `"<md5>"`, or `"<md5 of part md5s>-<parts>"` after a multipart upload. */
  etag: string;
  contentType: string;
  lastModified: number;
}

/** A part of a multipart upload. */
export interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  /** MD5 of the part, raw (for the multipart ETag). */
  md5: string;
  lastModified: number;
}

/** A multipart upload in progress. */
export interface UploadMeta {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string;
  initiated: number;
}

/** Bucket names: 3-63 lowercase letters, digits, `-`, `.`; start and end with a letter or digit; not an IP. */
export const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** OBS limits the emulator enforces. */
export const OBS_LIMITS = {
  /** Smallest part except the last (OBS: 100 KB). */
  minPartBytes: 100 * 1024,
  /** Largest part and largest single PUT (5 GB). */
  maxPartBytes: 5 * 1024 ** 3,
  maxParts: 10_000,
  /** Longest object key, in UTF-8 bytes (OBS: 1024, as S3). */
  maxKeyBytes: 1024,
} as const;

const keyFile = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

async function readJson<T>(file: string, root: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as T;
  } catch (err) {
    throw new DataDirError(root, `OBS metadata ${path.relative(root, file)} is unreadable (${(err as Error).message})`);
  }
}

function writeJsonSync(file: string, value: unknown): void {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, file);
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await fs.rename(tmp, file);
}

/** Counts and MD5-hashes what flows through, failing once more than `max` bytes passed. */
class Measure extends Transform {
  size = 0;
  private readonly md5 = createHash("md5");
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.size += chunk.length;
    if (this.size > this.max) return done(ObsErrors.entityTooLarge());
    this.md5.update(chunk);
    done(null, chunk);
  }
  digest(): Buffer {
    return this.md5.digest();
  }
}

/** Buckets, objects and multipart uploads on disk, indexed in memory. */
export class ObsStore {
  private readonly buckets = new Map<string, BucketMeta>();
  private readonly objects = new Map<string, Map<string, ObjectMeta>>();
  private readonly uploads = new Map<string, { meta: UploadMeta; parts: Map<number, PartMeta> }>();

  private constructor(readonly root: string, private readonly temporary: boolean, private readonly durable: boolean) {}

  /** Opens `<dataDir>/obs` (created if absent, loaded and checked) or a fresh temporary directory. */
  static async open(dataDir: string | undefined): Promise<ObsStore> {
    const root = dataDir === undefined ? await fs.mkdtemp(path.join(os.tmpdir(), "fgs-obs-")) : path.join(dataDir, "obs");
    const store = new ObsStore(root, dataDir === undefined, dataDir !== undefined);
    for (const d of ["buckets", "objects", "uploads", "tmp"]) await fs.mkdir(path.join(root, d), { recursive: true, mode: 0o700 });
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    await fs.rm(path.join(this.root, "tmp"), { recursive: true, force: true });
    await fs.mkdir(path.join(this.root, "tmp"), { mode: 0o700 });
    for (const name of await fs.readdir(path.join(this.root, "buckets"))) {
      if (!name.endsWith(".json")) continue;
      const b = await readJson<BucketMeta>(path.join(this.root, "buckets", name), this.root);
      this.buckets.set(b.name, b);
      const objects = new Map<string, ObjectMeta>();
      this.objects.set(b.name, objects);
      const dir = path.join(this.root, "objects", b.name);
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      for (const f of await fs.readdir(dir)) {
        if (!f.endsWith(".json")) continue;
        const o = await readJson<ObjectMeta>(path.join(dir, f), this.root);
        const st = await fs.stat(this.dataPath(b.name, o.key)).catch(() => undefined);
        if (!st || st.size !== o.size) throw new DataDirError(path.dirname(this.root), `the data of OBS object ${b.name}/${o.key} is missing or truncated`);
        objects.set(o.key, o);
      }
    }
    for (const id of await fs.readdir(path.join(this.root, "uploads"))) {
      const dir = path.join(this.root, "uploads", id);
      const meta = await readJson<UploadMeta>(path.join(dir, "upload.json"), this.root);
      const parts = new Map<number, PartMeta>();
      for (const f of await fs.readdir(dir)) {
        if (!/^\d+\.json$/.test(f)) continue;
        const p = await readJson<PartMeta>(path.join(dir, f), this.root);
        parts.set(p.partNumber, p);
      }
      this.uploads.set(id, { meta, parts });
    }
  }

  /** Removes a temporary store's directory (a `--data-dir` store is kept). */
  async close(): Promise<void> {
    if (this.temporary) await fs.rm(this.root, { recursive: true, force: true });
  }

  /** Forgets every bucket, object and upload. */
  async clear(): Promise<void> {
    this.buckets.clear();
    this.objects.clear();
    this.uploads.clear();
    for (const d of ["buckets", "objects", "uploads", "tmp"]) {
      await fs.rm(path.join(this.root, d), { recursive: true, force: true });
      await fs.mkdir(path.join(this.root, d), { recursive: true, mode: 0o700 });
    }
  }

  // ---- buckets

  /** Creates a bucket; 409 BucketAlreadyOwnedByYou when it exists. */
  async createBucket(name: string, location: string, now: number): Promise<BucketMeta> {
    if (!BUCKET_NAME.test(name) || name.includes("..")) throw ObsErrors.invalidBucketName(name);
    if (this.buckets.has(name)) throw ObsErrors.bucketExists();
    const meta: BucketMeta = { name, location, created: now };
    await fs.mkdir(path.join(this.root, "objects", name), { recursive: true, mode: 0o700 });
    await writeJson(path.join(this.root, "buckets", `${name}.json`), meta);
    this.buckets.set(name, meta);
    this.objects.set(name, new Map());
    return meta;
  }

  /** The bucket, or undefined. */
  bucket(name: string): BucketMeta | undefined {
    return this.buckets.get(name);
  }

  /** Every bucket. */
  listBuckets(): BucketMeta[] {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deletes an empty bucket (409 BucketNotEmpty otherwise; uploads in progress count). */
  async deleteBucket(name: string): Promise<void> {
    this.mustBucket(name);
    if ((this.objects.get(name)?.size ?? 0) > 0 || [...this.uploads.values()].some((u) => u.meta.bucket === name)) throw ObsErrors.bucketNotEmpty();
    await fs.rm(path.join(this.root, "buckets", `${name}.json`), { force: true });
    await fs.rm(path.join(this.root, "objects", name), { recursive: true, force: true });
    this.buckets.delete(name);
    this.objects.delete(name);
  }

  private mustBucket(name: string): BucketMeta {
    const b = this.buckets.get(name);
    if (!b) throw ObsErrors.noSuchBucket();
    return b;
  }

  // ---- objects

  /** Streams `body` into the object (replacing it once complete). `contentMd5` (base64) is checked when given. */
  async putObject(bucket: string, key: string, body: Readable, opts: { contentType?: string; contentMd5?: string; now: number }): Promise<ObjectMeta> {
    this.mustBucket(bucket);
    const { file, size, md5 } = await this.receive(body, OBS_LIMITS.maxPartBytes);
    try {
      if (opts.contentMd5 !== undefined && opts.contentMd5 !== md5.toString("base64")) throw ObsErrors.badDigest();
      return await this.commitObject(bucket, key, file, { size, etag: `"${md5.toString("hex")}"`, contentType: opts.contentType, now: opts.now });
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** Copies an object (streamed through tmp/); NoSuchKey when the source is absent. The content type is kept unless given. */
  async copyObject(srcBucket: string, srcKey: string, dstBucket: string, dstKey: string, opts: { contentType?: string; now: number }): Promise<ObjectMeta> {
    this.mustBucket(dstBucket);
    const source = this.head(srcBucket, srcKey);
    if (!source) throw ObsErrors.noSuchKey();
    const { file, size, md5 } = await this.receive(this.openObject(source), OBS_LIMITS.maxPartBytes);
    try {
      return await this.commitObject(dstBucket, dstKey, file, { size, etag: `"${md5.toString("hex")}"`, contentType: opts.contentType ?? source.contentType, now: opts.now });
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** The object's metadata, or undefined. Throws NoSuchBucket for a missing bucket. */
  head(bucket: string, key: string): ObjectMeta | undefined {
    this.mustBucket(bucket);
    return this.objects.get(bucket)?.get(key);
  }

  /** Every object of a bucket (sorted by key), optionally under a prefix. */
  list(bucket: string, prefix = ""): ObjectMeta[] {
    this.mustBucket(bucket);
    return [...(this.objects.get(bucket)?.values() ?? [])].filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** A stream of the object's bytes (optionally a byte range, inclusive). */
  openObject(meta: ObjectMeta, range?: { start: number; end: number }): Readable {
    // Opened now, not on the stream's first read: the bytes are those of `meta` even if the key is rewritten next.
    return createReadStream("", { fd: openSync(this.dataPath(meta.bucket, meta.key), "r"), ...range });
  }

  /** The whole object in memory (FunctionGraph reading a code package); NoSuchKey when absent. */
  async readObject(bucket: string, key: string): Promise<Buffer> {
    const meta = this.head(bucket, key);
    if (!meta) throw ObsErrors.noSuchKey();
    return fs.readFile(this.dataPath(bucket, key));
  }

  /** Deletes an object; true when it existed (deleting an absent key succeeds, as in S3). */
  async deleteObject(bucket: string, key: string): Promise<boolean> {
    this.mustBucket(bucket);
    const objects = this.objects.get(bucket)!;
    if (!objects.has(key)) return false;
    // In one tick, like a commit: an awaited removal could delete a concurrent PUT's new files.
    objects.delete(key);
    rmSync(this.metaPath(bucket, key), { force: true });
    rmSync(this.dataPath(bucket, key), { force: true });
    return true;
  }

  // ---- multipart

  /** Starts a multipart upload; returns its id. */
  async initiate(bucket: string, key: string, contentType: string | undefined, now: number): Promise<UploadMeta> {
    this.mustBucket(bucket);
    const uploadId = randomBytes(16).toString("hex").toUpperCase();
    const meta: UploadMeta = { uploadId, bucket, key, contentType: contentType ?? "binary/octet-stream", initiated: now };
    const dir = path.join(this.root, "uploads", uploadId);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await writeJson(path.join(dir, "upload.json"), meta);
    this.uploads.set(uploadId, { meta, parts: new Map() });
    return meta;
  }

  /** The upload (NoSuchUpload when absent or for another bucket/key). */
  upload(bucket: string, key: string, uploadId: string): { meta: UploadMeta; parts: PartMeta[] } {
    this.mustBucket(bucket);
    const u = this.uploads.get(uploadId);
    if (!u || u.meta.bucket !== bucket || u.meta.key !== key) throw ObsErrors.noSuchUpload();
    return { meta: u.meta, parts: [...u.parts.values()].sort((a, b) => a.partNumber - b.partNumber) };
  }

  /** Uploads in progress in a bucket, optionally under a key prefix, oldest first. */
  listUploads(bucket: string, prefix = ""): UploadMeta[] {
    this.mustBucket(bucket);
    return [...this.uploads.values()].map((u) => u.meta).filter((m) => m.bucket === bucket && m.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
  }

  /** Streams one part to disk (replacing a part with the same number). */
  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable, opts: { contentMd5?: string; now: number }): Promise<PartMeta> {
    this.upload(bucket, key, uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > OBS_LIMITS.maxParts) {
      throw ObsErrors.invalidArgument(`Part number must be an integer between 1 and ${OBS_LIMITS.maxParts}, inclusive`);
    }
    const { file, size, md5 } = await this.receive(body, OBS_LIMITS.maxPartBytes);
    try {
      if (opts.contentMd5 !== undefined && opts.contentMd5 !== md5.toString("base64")) throw ObsErrors.badDigest();
      const u = this.uploads.get(uploadId);
      if (!u) throw ObsErrors.noSuchUpload(); // aborted while the body was arriving
      const dir = path.join(this.root, "uploads", uploadId);
      const part: PartMeta = { partNumber, size, etag: `"${md5.toString("hex")}"`, md5: md5.toString("hex"), lastModified: opts.now };
      await fs.rename(file, path.join(dir, `${partNumber}.part`));
      await writeJson(path.join(dir, `${partNumber}.json`), part);
      u.parts.set(partNumber, part);
      return part;
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /**
   * Completes an upload from the listed parts (ascending, each ETag matching, each but the last ≥ 100 KB):
   * the parts are concatenated into the object by streaming, and the upload is gone.
   */
  async complete(bucket: string, key: string, uploadId: string, listed: { partNumber: number; etag: string }[], now: number): Promise<ObjectMeta> {
    const u = this.upload(bucket, key, uploadId);
    if (listed.length === 0) throw ObsErrors.malformedXml("the part list is empty");
    const byNumber = new Map(u.parts.map((p) => [p.partNumber, p]));
    const chosen: PartMeta[] = [];
    for (const [i, l] of listed.entries()) {
      if (i > 0 && l.partNumber <= listed[i - 1].partNumber) throw ObsErrors.invalidPartOrder();
      const p = byNumber.get(l.partNumber);
      if (!p || p.etag.replace(/"/g, "") !== l.etag.replace(/"/g, "")) {
        throw ObsErrors.invalidPart(`Part ${l.partNumber} was not uploaded or its ETag does not match.`);
      }
      chosen.push(p);
    }
    chosen.forEach((p, i) => {
      if (i < chosen.length - 1 && p.size < OBS_LIMITS.minPartBytes) throw ObsErrors.entityTooSmall(p.partNumber);
    });
    const dir = path.join(this.root, "uploads", uploadId);
    const file = path.join(this.root, "tmp", randomBytes(8).toString("hex"));
    try {
      const out = await fs.open(file, "w", 0o600);
      try {
        for (const p of chosen) {
          for await (const chunk of createReadStream(path.join(dir, `${p.partNumber}.part`), { highWaterMark: 1024 * 1024 })) await out.write(chunk as Buffer);
        }
      } finally {
        await out.close();
      }
      await this.sync(file);
      const md5 = createHash("md5");
      for (const p of chosen) md5.update(Buffer.from(p.md5, "hex"));
      const size = chosen.reduce((n, p) => n + p.size, 0);
      const meta = await this.commitObject(bucket, key, file, { size, etag: `"${md5.digest("hex")}-${chosen.length}"`, contentType: u.meta.contentType, now });
      this.uploads.delete(uploadId);
      await fs.rm(dir, { recursive: true, force: true });
      return meta;
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** Aborts an upload: its parts are deleted (NoSuchUpload when absent). */
  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    this.upload(bucket, key, uploadId);
    this.uploads.delete(uploadId);
    await fs.rm(path.join(this.root, "uploads", uploadId), { recursive: true, force: true });
  }

  // ---- files

  private dataPath(bucket: string, key: string): string {
    return path.join(this.root, "objects", bucket, `${keyFile(key)}.data`);
  }

  private metaPath(bucket: string, key: string): string {
    return path.join(this.root, "objects", bucket, `${keyFile(key)}.json`);
  }

  /** Streams a body into a new file under tmp/, measuring and hashing it; the file is removed on failure. */
  private async receive(body: Readable, max: number): Promise<{ file: string; size: number; md5: Buffer }> {
    const file = path.join(this.root, "tmp", randomBytes(8).toString("hex"));
    const measure = new Measure(max);
    try {
      await pipeline(body, measure, createWriteStream(file, { mode: 0o600 }));
      await this.sync(file);
    } catch (err) {
      await fs.rm(file, { force: true });
      throw err;
    }
    return { file, size: measure.size, md5: measure.digest() };
  }

  private async commitObject(bucket: string, key: string, file: string, o: { size: number; etag: string; contentType?: string; now: number }): Promise<ObjectMeta> {
    const objects = this.objects.get(bucket);
    if (!objects) throw ObsErrors.noSuchBucket(); // deleted while the body was arriving
    const meta: ObjectMeta = { bucket, key, size: o.size, etag: o.etag, contentType: o.contentType || "binary/octet-stream", lastModified: o.now };
    // Data, metadata file and index change in one tick (synchronous calls): concurrent writes of one key land
    // whole and in order (an awaited rename let an older metadata file outlive newer data: a torn GET, and a data
    // dir that no longer loads), and a GET, which opens the file in the tick it reads the index, never pairs one
    // version's headers with another's bytes.
    renameSync(file, this.dataPath(bucket, key));
    writeJsonSync(this.metaPath(bucket, key), meta);
    objects.set(key, meta);
    return meta;
  }

  /** fsync under a data dir (so an answered write survives a crash); a no-op for a temporary store. */
  private async sync(file: string): Promise<void> {
    if (!this.durable) return;
    const handle = await fs.open(file, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
