/**
 * The OBS operations, one handler each (S3 semantics): bucket create/head/location/list/delete, object
 * PUT/HEAD/GET/DELETE, and multipart initiate/upload part/complete/abort/list parts/list uploads. Handlers
 * answer through the small `ObsReply` the server gives them and never see faults or authentication.
 */
import type { IncomingMessage } from "node:http";
import { ObsErrors } from "./obs-errors";
import type { ObjectMeta, ObsStore } from "./obs-store";
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
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  store: ObsStore;
  region: string;
  now: number;
  reply: ObsReply;
}

/** An OBS operation: its request-log name and handler. */
export interface ObsOperation {
  name: string;
  /** Unsigned requests allowed (the SDK's `HEAD /?apiversion` negotiation). */
  anonymous?: boolean;
  handle(r: ObsRequest): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readSmallBody(req: IncomingMessage, cap = 1024 * 1024): Promise<string> {
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

const apiVersion: ObsOperation = {
  name: "headApiVersion", anonymous: true,
  async handle(r) {
    if (r.bucket !== undefined && !r.store.bucket(r.bucket)) throw ObsErrors.noSuchBucket();
    r.reply.empty(200, { "x-obs-api": "3.0" });
  },
};

const listBuckets: ObsOperation = {
  name: "listBuckets",
  async handle(r) {
    r.reply.xml(200, "ListAllMyBucketsResult", {
      Owner: { ID: "emulator" },
      Buckets: { Bucket: r.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: iso(b.created), Location: b.location })) },
    });
  },
};

const createBucket: ObsOperation = {
  name: "createBucket",
  async handle(r) {
    const text = await readSmallBody(r.req);
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

const headBucket: ObsOperation = {
  name: "headBucket",
  async handle(r) {
    const b = r.store.bucket(r.bucket!);
    if (!b) throw ObsErrors.noSuchBucket();
    r.reply.empty(200, locationHeaders(b.location));
  },
};

const bucketLocation: ObsOperation = {
  name: "getBucketLocation",
  async handle(r) {
    const b = r.store.bucket(r.bucket!);
    if (!b) throw ObsErrors.noSuchBucket();
    const v2 = String(r.req.headers.authorization ?? "").startsWith("AWS ");
    r.reply.xml(200, v2 ? "LocationConstraint" : "Location", b.location);
  },
};

const listObjects: ObsOperation = {
  name: "listObjects",
  async handle(r) {
    const prefix = r.query.get("prefix") ?? "";
    const marker = r.query.get("marker") ?? "";
    const max = intQuery(r, "max-keys", 1000, 1000);
    const all = r.store.list(r.bucket!, prefix).filter((o) => o.key > marker);
    const page = all.slice(0, max);
    r.reply.xml(200, "ListBucketResult", {
      Name: r.bucket!, Prefix: prefix, Marker: marker, MaxKeys: max, IsTruncated: all.length > page.length,
      ...(all.length > page.length ? { NextMarker: page[page.length - 1].key } : {}),
      Contents: page.map((o) => ({ Key: o.key, LastModified: iso(o.lastModified), ETag: o.etag, Size: o.size, StorageClass: "STANDARD" })),
    });
  },
};

const deleteBucket: ObsOperation = {
  name: "deleteBucket",
  async handle(r) {
    await r.store.deleteBucket(r.bucket!);
    r.reply.empty(204);
  },
};

const listUploads: ObsOperation = {
  name: "listMultipartUploads",
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

const putObject: ObsOperation = {
  name: "putObject",
  async handle(r) {
    const meta = await r.store.putObject(r.bucket!, mustKey(r), r.req, {
      contentType: header(r.req, "content-type"), contentMd5: header(r.req, "content-md5"), now: r.now,
    });
    r.reply.empty(200, { ETag: meta.etag });
  },
};

const headObject: ObsOperation = {
  name: "headObject",
  async handle(r) {
    const meta = r.store.head(r.bucket!, mustKey(r));
    if (!meta) throw ObsErrors.noSuchKey();
    r.reply.empty(200, { ...objectHeaders(meta), "Content-Length": String(meta.size) });
  },
};

const getObject: ObsOperation = {
  name: "getObject",
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

const deleteObject: ObsOperation = {
  name: "deleteObject",
  async handle(r) {
    await r.store.deleteObject(r.bucket!, mustKey(r));
    r.reply.empty(204);
  },
};

const initiate: ObsOperation = {
  name: "initiateMultipartUpload",
  async handle(r) {
    const u = await r.store.initiate(r.bucket!, mustKey(r), header(r.req, "content-type"), r.now);
    r.reply.xml(200, "InitiateMultipartUploadResult", { Bucket: u.bucket, Key: u.key, UploadId: u.uploadId });
  },
};

const uploadPart: ObsOperation = {
  name: "uploadPart",
  async handle(r) {
    const raw = r.query.get("partNumber") ?? "";
    if (!/^\d+$/.test(raw)) throw ObsErrors.invalidArgument("partNumber must be an integer between 1 and 10000");
    const part = await r.store.uploadPart(r.bucket!, mustKey(r), uploadIdOf(r), Number(raw), r.req, { contentMd5: header(r.req, "content-md5"), now: r.now });
    r.reply.empty(200, { ETag: part.etag });
  },
};

const complete: ObsOperation = {
  name: "completeMultipartUpload",
  async handle(r) {
    const doc = parseBody(await readSmallBody(r.req), ["Part"]).CompleteMultipartUpload as { Part?: { PartNumber?: unknown; ETag?: unknown }[] } | undefined;
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

const abort: ObsOperation = {
  name: "abortMultipartUpload",
  async handle(r) {
    await r.store.abort(r.bucket!, mustKey(r), uploadIdOf(r));
    r.reply.empty(204);
  },
};

const listParts: ObsOperation = {
  name: "listParts",
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

/** Picks the operation for a request; undefined when none matches (405 MethodNotAllowed). */
export function matchObsOperation(method: string, bucket: string | undefined, key: string | undefined, q: URLSearchParams): ObsOperation | undefined {
  if (q.has("apiversion") && method === "HEAD" && key === undefined) return apiVersion;
  if (bucket === undefined) return method === "GET" ? listBuckets : undefined;
  if (key === undefined) {
    if (method === "PUT") return createBucket;
    if (method === "HEAD") return headBucket;
    if (method === "DELETE") return deleteBucket;
    if (method === "GET") return q.has("location") ? bucketLocation : q.has("uploads") ? listUploads : listObjects;
    return undefined;
  }
  const uploadId = q.has("uploadId");
  switch (method) {
    case "PUT": return uploadId || q.has("partNumber") ? uploadPart : putObject;
    case "POST": return q.has("uploads") ? initiate : uploadId ? complete : undefined;
    case "DELETE": return uploadId ? abort : deleteObject;
    case "GET": return uploadId ? listParts : getObject;
    case "HEAD": return headObject;
    default: return undefined;
  }
}
