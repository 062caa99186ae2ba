/**
 * The OBS operations, one handler each (S3 semantics): bucket create/head/location/list (V1 and V2, with
 * prefix, delimiter and continuation)/delete, object PUT/HEAD/GET/DELETE/copy, and multipart initiate/upload part/complete/abort/list parts/list uploads. Handlers
 * answer through the small `ObsReply` the server gives them and never see faults or authentication.
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { ObsErrors } from "./obs-errors";
import { OBS_LIMITS, type ObjectMeta, type ObsStore } from "./obs-store";
import { parseXml, type XmlObject } from "./xml";

/** How a handler answers. */
export interface ObsReply {
  /** An XML document (status, root element, body, extra headers). */
  xml(status: number, root: string, body: XmlObject | string, headers?: Record<string, string>): void;
  /** No body (Content-Length 0, or the given headers for HEAD). */
  empty(status: number, headers?: Record<string, string>): void;
  /** The bytes of an object (or a range of it). */
  object(meta: ObjectMeta, range?: { start: number; end: number }): void;
}

/** One OBS request as handlers see it. */
export interface ObsRequest {
  req: IncomingMessage;
  /** The request body (the request itself, or its decoded payload for an aws-chunked V4 upload). */
  body: Readable;
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  store: ObsStore;
  region: string;
  now: number;
  reply: ObsReply;
}

/** An OBS operation's handler (its name, method and path are its row in obs-operations.ts). */
export interface ObsOperation {
  handle(r: ObsRequest): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readSmallBody(req: Readable, cap = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > cap) throw ObsErrors.invalidArgument("the request body is too large for this operation");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text: string, arrays: string[] = []): Record<string, unknown> {
  try {
    return parseXml(text, arrays);
  } catch (err) {
    throw ObsErrors.malformedXml((err as Error).message);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const locationHeaders = (location: string) => ({ "x-obs-bucket-location": location, "x-amz-bucket-region": location, "x-obs-api": "3.0" });
const objectHeaders = (m: ObjectMeta) => ({ ETag: m.etag, "Last-Modified": new Date(m.lastModified).toUTCString(), "Content-Type": m.contentType });

function mustKey(r: ObsRequest): string {
  if (!r.key) throw ObsErrors.invalidArgument("an object key is required");
  const bytes = Buffer.byteLength(r.key, "utf8");
  if (bytes > OBS_LIMITS.maxKeyBytes) throw ObsErrors.keyTooLong(bytes);
  return r.key;
}

function uploadIdOf(r: ObsRequest): string {
  const id = r.query.get("uploadId");
  if (!id) throw ObsErrors.invalidArgument("uploadId is required");
  return id;
}

function intQuery(r: ObsRequest, name: string, dflt: number, max: number): number {
  const raw = r.query.get(name);
  if (raw === null || raw === "") return dflt;
  if (!/^\d+$/.test(raw)) throw ObsErrors.invalidArgument(`${name} must be a non-negative integer`);
  return Math.min(Number(raw), max);
}

/** The `apiVersion` handler (obs-operations.ts routes it). */
export const apiVersion: ObsOperation = {
  async handle(r) {
    if (r.bucket !== undefined && !r.store.bucket(r.bucket)) throw ObsErrors.noSuchBucket();
    r.reply.empty(200, { "x-obs-api": "3.0" });
  },
};

/** The `listBuckets` handler (obs-operations.ts routes it). */
export const listBuckets: ObsOperation = {
  async handle(r) {
    r.reply.xml(200, "ListAllMyBucketsResult", {
      Owner: { ID: "emulator" },
      Buckets: { Bucket: r.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: iso(b.created), Location: b.location })) },
    });
  },
};

/** The `createBucket` handler (obs-operations.ts routes it). */
export const createBucket: ObsOperation = {
  async handle(r) {
    const text = await readSmallBody(r.body);
    let location = r.region;
    if (text.trim()) {
      const doc = parseBody(text).CreateBucketConfiguration as Record<string, unknown> | undefined;
      const loc = doc?.Location ?? doc?.LocationConstraint;
      if (typeof loc === "string" && loc !== "") location = loc;
    }
    if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(location)) throw ObsErrors.invalidLocation(location);
    await r.store.createBucket(r.bucket!, location, r.now);
    r.reply.empty(200, { Location: `/${r.bucket}` });
  },
};

/** The `headBucket` handler (obs-operations.ts routes it). */
export const headBucket: ObsOperation = {
  async handle(r) {
    const b = r.store.bucket(r.bucket!);
    if (!b) throw ObsErrors.noSuchBucket();
    r.reply.empty(200, locationHeaders(b.location));
  },
};

/** The `bucketLocation` handler (obs-operations.ts routes it). */
export const bucketLocation: ObsOperation = {
  async handle(r) {
    const b = r.store.bucket(r.bucket!);
    if (!b) throw ObsErrors.noSuchBucket();
    const v2 = !String(r.req.headers.authorization ?? "").startsWith("OBS ");
    r.reply.xml(200, v2 ? "LocationConstraint" : "Location", b.location);
  },
};

/** One page of a listing: keys after `after`, rolled up at the delimiter into common prefixes. */
function listPage(r: ObsRequest, prefix: string, delimiter: string, after: string, max: number) {
  const contents: ObjectMeta[] = [];
  const prefixes: string[] = [];
  let last = "";
  let truncated = false;
  for (const o of r.store.list(r.bucket!, prefix)) {
    if (o.key <= after) continue;
    const cut = delimiter ? o.key.indexOf(delimiter, prefix.length) : -1;
    const rolled = cut >= 0 ? o.key.slice(0, cut + delimiter.length) : undefined;
    if (rolled !== undefined && rolled === prefixes[prefixes.length - 1]) continue;
    if (rolled !== undefined && rolled <= after) continue;
    if (contents.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (rolled !== undefined) {
      prefixes.push(rolled);
      last = rolled;
    } else {
      contents.push(o);
      last = o.key;
    }
  }
  return { contents, prefixes, truncated, last };
}

const objectEntry = (o: ObjectMeta) => ({ Key: o.key, LastModified: iso(o.lastModified), ETag: o.etag, Size: o.size, StorageClass: "STANDARD" });

/** The `listObjects` handler (obs-operations.ts routes it). */
export const listObjects: ObsOperation = {
  async handle(r) {
    const prefix = r.query.get("prefix") ?? "";
    const marker = r.query.get("marker") ?? "";
    const delimiter = r.query.get("delimiter") ?? "";
    const max = intQuery(r, "max-keys", 1000, 1000);
    const page = listPage(r, prefix, delimiter, marker, max);
    r.reply.xml(200, "ListBucketResult", {
      Name: r.bucket!, Prefix: prefix, Marker: marker, MaxKeys: max, ...(delimiter ? { Delimiter: delimiter } : {}), IsTruncated: page.truncated,
      ...(page.truncated ? { NextMarker: page.last } : {}),
      Contents: page.contents.map(objectEntry),
      CommonPrefixes: page.prefixes.map((p) => ({ Prefix: p })),
    });
  },
};

/** Continuation tokens are opaque to clients: the last key or prefix returned, base64url-encoded. */
const encodeToken = (key: string) => Buffer.from(key, "utf8").toString("base64url");

/** The `listObjectsV2` handler (obs-operations.ts routes it). */
export const listObjectsV2: ObsOperation = {
  async handle(r) {
    const prefix = r.query.get("prefix") ?? "";
    const delimiter = r.query.get("delimiter") ?? "";
    const token = r.query.get("continuation-token");
    const startAfter = r.query.get("start-after") ?? "";
    const max = intQuery(r, "max-keys", 1000, 1000);
    let after = startAfter;
    if (token !== null) {
      if (!/^[A-Za-z0-9_-]+$/.test(token)) throw ObsErrors.invalidArgument("The continuation token provided is incorrect");
      after = Buffer.from(token, "base64url").toString("utf8");
    }
    const page = listPage(r, prefix, delimiter, after, max);
    r.reply.xml(200, "ListBucketResult", {
      Name: r.bucket!, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}), MaxKeys: max,
      KeyCount: page.contents.length + page.prefixes.length, IsTruncated: page.truncated,
      ...(token !== null ? { ContinuationToken: token } : {}), ...(startAfter ? { StartAfter: startAfter } : {}),
      ...(page.truncated ? { NextContinuationToken: encodeToken(page.last) } : {}),
      Contents: page.contents.map(objectEntry),
      CommonPrefixes: page.prefixes.map((p) => ({ Prefix: p })),
    });
  },
};

/** The `deleteBucket` handler (obs-operations.ts routes it). */
export const deleteBucket: ObsOperation = {
  async handle(r) {
    await r.store.deleteBucket(r.bucket!);
    r.reply.empty(204);
  },
};

/** The `listUploads` handler (obs-operations.ts routes it). */
export const listUploads: ObsOperation = {
  async handle(r) {
    const prefix = r.query.get("prefix") ?? "";
    const max = intQuery(r, "max-uploads", 1000, 1000);
    const all = r.store.listUploads(r.bucket!, prefix);
    const page = all.slice(0, max);
    r.reply.xml(200, "ListMultipartUploadsResult", {
      Bucket: r.bucket!, KeyMarker: "", UploadIdMarker: "", Prefix: prefix, MaxUploads: max, IsTruncated: all.length > page.length,
      Upload: page.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiated: iso(u.initiated), StorageClass: "STANDARD" })),
    });
  },
};

/** The `putObject` handler (obs-operations.ts routes it). */
export const putObject: ObsOperation = {
  async handle(r) {
    const meta = await r.store.putObject(r.bucket!, mustKey(r), r.body, {
      contentType: header(r.req, "content-type"), contentMd5: header(r.req, "content-md5"), now: r.now,
    });
    r.reply.empty(200, { ETag: meta.etag });
  },
};

/** `x-amz-copy-source` / `x-obs-copy-source`: `[/]bucket/key[?versionId=…]`, the key percent-encoded. */
export function parseCopySource(text: string): { bucket: string; key: string } {
  const q = text.indexOf("?");
  const raw = (q < 0 ? text : text.slice(0, q)).replace(/^\//, "");
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw ObsErrors.invalidArgument(`The copy source '${text}' is not valid percent-encoding`);
  }
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) throw ObsErrors.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** The `copyObject` handler (obs-operations.ts routes it). */
export const copyObject: ObsOperation = {
  async handle(r) {
    const source = parseCopySource(header(r.req, "x-amz-copy-source") ?? header(r.req, "x-obs-copy-source")!);
    await readSmallBody(r.body, 0);
    const replace = (header(r.req, "x-amz-metadata-directive") ?? header(r.req, "x-obs-metadata-directive")) === "REPLACE";
    const meta = await r.store.copyObject(source.bucket, source.key, r.bucket!, mustKey(r), {
      contentType: replace ? header(r.req, "content-type") : undefined, now: r.now,
    });
    r.reply.xml(200, "CopyObjectResult", { LastModified: iso(meta.lastModified), ETag: meta.etag });
  },
};

/** The `headObject` handler (obs-operations.ts routes it). */
export const headObject: ObsOperation = {
  async handle(r) {
    const meta = r.store.head(r.bucket!, mustKey(r));
    if (!meta) throw ObsErrors.noSuchKey();
    r.reply.empty(200, { ...objectHeaders(meta), "Content-Length": String(meta.size) });
  },
};

/** The `getObject` handler (obs-operations.ts routes it). */
export const getObject: ObsOperation = {
  async handle(r) {
    const meta = r.store.head(r.bucket!, mustKey(r));
    if (!meta) throw ObsErrors.noSuchKey();
    const range = header(r.req, "range");
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === "" && m[2] === "")) throw ObsErrors.invalidRange();
      const start = m[1] === "" ? Math.max(0, meta.size - Number(m[2])) : Number(m[1]);
      const end = m[1] === "" || m[2] === "" ? meta.size - 1 : Math.min(Number(m[2]), meta.size - 1);
      if (start > end || start >= meta.size) throw ObsErrors.invalidRange();
      return r.reply.object(meta, { start, end });
    }
    r.reply.object(meta);
  },
};

/** The `deleteObject` handler (obs-operations.ts routes it). */
export const deleteObject: ObsOperation = {
  async handle(r) {
    await r.store.deleteObject(r.bucket!, mustKey(r));
    r.reply.empty(204);
  },
};

/** The `initiate` handler (obs-operations.ts routes it). */
export const initiate: ObsOperation = {
  async handle(r) {
    const u = await r.store.initiate(r.bucket!, mustKey(r), header(r.req, "content-type"), r.now);
    r.reply.xml(200, "InitiateMultipartUploadResult", { Bucket: u.bucket, Key: u.key, UploadId: u.uploadId });
  },
};

/** The `uploadPart` handler (obs-operations.ts routes it). */
export const uploadPart: ObsOperation = {
  async handle(r) {
    const raw = r.query.get("partNumber") ?? "";
    if (!/^\d+$/.test(raw)) throw ObsErrors.invalidArgument("partNumber must be an integer between 1 and 10000");
    const part = await r.store.uploadPart(r.bucket!, mustKey(r), uploadIdOf(r), Number(raw), r.body, { contentMd5: header(r.req, "content-md5"), now: r.now });
    r.reply.empty(200, { ETag: part.etag });
  },
};

/** The `complete` handler (obs-operations.ts routes it). */
export const complete: ObsOperation = {
  async handle(r) {
    const doc = parseBody(await readSmallBody(r.body), ["Part"]).CompleteMultipartUpload as { Part?: { PartNumber?: unknown; ETag?: unknown }[] } | undefined;
    if (!doc || !Array.isArray(doc.Part)) throw ObsErrors.malformedXml("expected <CompleteMultipartUpload> with <Part> elements");
    const parts = doc.Part.map((p) => {
      const n = String(p.PartNumber ?? "");
      if (!/^\d+$/.test(n) || typeof p.ETag !== "string") throw ObsErrors.malformedXml("every <Part> needs a <PartNumber> and an <ETag>");
      return { partNumber: Number(n), etag: p.ETag };
    });
    const meta = await r.store.complete(r.bucket!, mustKey(r), uploadIdOf(r), parts, r.now);
    r.reply.xml(200, "CompleteMultipartUploadResult", {
      Location: `/${meta.bucket}/${encodeURIComponent(meta.key)}`, Bucket: meta.bucket, Key: meta.key, ETag: meta.etag,
    }, { ETag: meta.etag });
  },
};

/** The `abort` handler (obs-operations.ts routes it). */
export const abort: ObsOperation = {
  async handle(r) {
    await r.store.abort(r.bucket!, mustKey(r), uploadIdOf(r));
    r.reply.empty(204);
  },
};

/** The `listParts` handler (obs-operations.ts routes it). */
export const listParts: ObsOperation = {
  async handle(r) {
    const u = r.store.upload(r.bucket!, mustKey(r), uploadIdOf(r));
    const marker = intQuery(r, "part-number-marker", 0, Number.MAX_SAFE_INTEGER);
    const max = intQuery(r, "max-parts", 1000, 1000);
    const all = u.parts.filter((p) => p.partNumber > marker);
    const page = all.slice(0, max);
    r.reply.xml(200, "ListPartsResult", {
      Bucket: u.meta.bucket, Key: u.meta.key, UploadId: u.meta.uploadId, PartNumberMarker: marker, MaxParts: max,
      IsTruncated: all.length > page.length,
      ...(page.length ? { NextPartNumberMarker: page[page.length - 1].partNumber } : {}),
      StorageClass: "STANDARD",
      Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: iso(p.lastModified), ETag: p.etag, Size: p.size })),
    });
  },
};
