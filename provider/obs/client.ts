/**
 * The OBS client the provider stages code with: HEAD/PUT object, the multipart calls, bucket HEAD (its region),
 * each signed with the OBS native signature (`obsSigner`) from the same AK/SK (and temporary token) as
 * FunctionGraph, and sent through the provider's one transport (../api/transport.ts: its retries, timeouts and
 * redaction), with bodies re-read from their file on every attempt, so a retried part never needs a copy in memory.
 *
 * Serialization-safe like the FunctionGraph client: credentials live on the instance, created at run time.
 */
import { XMLParser } from "fast-xml-parser";
import type { Credentials } from "../auth/resolve-target";
import { NetworkError } from "../api/errors";
import { Transport, type Answer as Exchanged, type FileRange, type TransportSettings } from "../api/transport";
import { bucketAddress, requestPath, resourcePath } from "./endpoint";
import { ObsConfigurationError, ObsRequestError } from "./errors";
import { obsSigner, type ObsRequest } from "./sign";

/** A request body: bytes, or a byte range of a file (re-opened on every attempt). */
export type ObsBody = Buffer | FileRange;

/** What HEAD tells about an object. */
export interface ObjectInfo {
  size: number;
  /** The ETag without quotes. */
  etag: string;
  lastModified?: string;
}

/** A multipart upload in progress. */
export interface UploadInfo {
  key: string;
  uploadId: string;
  initiated: string;
}

/** A part already uploaded. */
export interface PartInfo {
  partNumber: number;
  size: number;
  /** Without quotes. */
  etag: string;
}

/** Client options: the endpoint and keys, and the transport's retry and timeout settings. */
export interface ObsClientOptions extends TransportSettings {
  /** `https://obs.<region>.myhuaweicloud.com`, or a path-style endpoint such as the emulator's. */
  endpoint: string;
  credentials: Credentials;
}

interface Call {
  op: string;
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  bucket: string;
  key?: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: ObsBody;
  /** Safe to repeat after an ambiguous failure. */
  idempotent: boolean;
  /** Statuses answered with `undefined` instead of an error (404 on HEAD). */
  absentOk?: number[];
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** MD5 (hex) of the body actually sent, when there was one. */
  sentMd5?: string;
}

const unquote = (etag: string | undefined) => (etag ?? "").replace(/^"|"$/g, "");
/** undici's headers flattened: lower-case names, repeated values joined with commas. */
function flatHeaders(headers: Exchanged["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : String(v);
  return flat;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, removeNSPrefix: true, isArray: (n) => ["Upload", "Part", "Contents"].includes(n) });

/** Signs and sends OBS requests with retries; see the module comment. */
export class ObsClient {
  private readonly endpoint: string;
  private readonly transport: Transport<ObsRequest & { where: string }>;

  constructor(opts: ObsClientOptions) {
    if (opts.credentials.kind !== "aksk") {
      throw new ObsConfigurationError("credentials", "staging code in OBS needs an access key and secret key (an IAM token cannot sign OBS requests): set functiongraph:accessKey and functiongraph:secretKey");
    }
    this.endpoint = opts.endpoint;
    this.transport = new Transport(opts, {
      credentials: opts.credentials,
      sign: obsSigner({ accessKey: opts.credentials.accessKey, secretKey: opts.credentials.secretKey, securityToken: opts.credentials.securityToken }),
      errors: {
        network: (req, f, ambiguous) => new NetworkError({ method: req.method, path: req.where, kind: f.kind, code: f.code, detail: f.detail, ambiguous,
          endpoint: req.origin, setting: "obs" }),
        answer: (req, a, ambiguous) => {
          const text = a.data.toString("utf8");
          const headers = flatHeaders(a.headers);
          const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? headers["x-obs-error-code"];
          const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? (text.replace(/\s+/g, " ").slice(0, 200) || `HTTP ${a.status}`);
          return { code, error: new ObsRequestError({ operation: req.where, status: a.status, code, detail: this.transport.redact(message),
            requestId: headers["x-obs-request-id"] ?? headers["x-amz-request-id"], ambiguous }) };
        },
      },
    });
  }

  /** Requests sent, retries made and body bytes sent so far. */
  stats(): { requests: number; retries: number; bytesSent: number } {
    return this.transport.stats();
  }

  /** HEAD bucket: its region (`undefined` when the bucket does not exist). */
  async bucketRegion(bucket: string): Promise<string | undefined> {
    const a = await this.call({ op: "HEAD bucket", method: "HEAD", bucket, idempotent: true, absentOk: [404] });
    if (!a) return undefined;
    return a.headers["x-obs-bucket-location"] ?? a.headers["x-amz-bucket-region"] ?? "";
  }

  /** HEAD object: size and ETag, or `undefined` when absent. */
  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const a = await this.call({ op: "HEAD object", method: "HEAD", bucket, key, idempotent: true, absentOk: [404] });
    if (!a) return undefined;
    return { size: Number(a.headers["content-length"] ?? 0), etag: unquote(a.headers.etag), lastModified: a.headers["last-modified"] };
  }

  /** PUT object in one request; the returned ETag is checked against the MD5 of what was sent. */
  async putObject(bucket: string, key: string, body: ObsBody, contentType = "application/zip"): Promise<string> {
    const a = (await this.call({ op: "PUT object", method: "PUT", bucket, key, body, headers: { "Content-Type": contentType }, idempotent: true }))!;
    return this.checkedEtag(a, `${bucket}/${key}`);
  }

  /** Starts a multipart upload; returns its id. */
  async initiateUpload(bucket: string, key: string, contentType = "application/zip"): Promise<string> {
    // Not idempotent in principle (a repeat starts a second upload); an extra upload is found and aborted by the
    // stager's clean-up of the key, so retrying is safe.
    const a = (await this.call({ op: "initiate multipart upload", method: "POST", bucket, key, query: [["uploads", ""]], headers: { "Content-Type": contentType }, idempotent: true }))!;
    const id = (xml.parse(a.text)?.InitiateMultipartUploadResult as { UploadId?: string } | undefined)?.UploadId;
    if (!id) throw new ObsRequestError({ operation: "initiate multipart upload", status: a.status, detail: "the answer has no UploadId" });
    return String(id);
  }

  /** Uploads one part (streamed from its file range); returns its ETag, checked against the bytes sent. */
  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: ObsBody): Promise<string> {
    const a = (await this.call({ op: `upload part ${partNumber}`, method: "PUT", bucket, key, body,
      query: [["partNumber", String(partNumber)], ["uploadId", uploadId]], idempotent: true }))!;
    return this.checkedEtag(a, `${bucket}/${key} part ${partNumber}`);
  }

  /** Completes an upload from its parts (ascending). */
  async completeUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<string> {
    const body = Buffer.from(`<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${p.etag}"</ETag></Part>`).join("")}</CompleteMultipartUpload>`);
    const a = (await this.call({ op: "complete multipart upload", method: "POST", bucket, key, body, query: [["uploadId", uploadId]],
      headers: { "Content-Type": "application/xml" }, idempotent: false }))!;
    const doc = xml.parse(a.text)?.CompleteMultipartUploadResult as { ETag?: string } | undefined;
    return unquote(doc?.ETag ?? a.headers.etag);
  }

  /** Aborts an upload; an upload already gone (404 NoSuchUpload) counts as aborted. */
  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.call({ op: "abort multipart upload", method: "DELETE", bucket, key, query: [["uploadId", uploadId]], idempotent: true, absentOk: [404] });
  }

  /** Uploads in progress under a key prefix. */
  async listUploads(bucket: string, prefix: string): Promise<UploadInfo[]> {
    const a = (await this.call({ op: "list multipart uploads", method: "GET", bucket, query: [["uploads", ""], ["prefix", prefix]], idempotent: true }))!;
    const uploads = (xml.parse(a.text)?.ListMultipartUploadsResult as { Upload?: { Key?: string; UploadId?: string; Initiated?: string }[] } | undefined)?.Upload ?? [];
    return uploads.map((u) => ({ key: String(u.Key ?? ""), uploadId: String(u.UploadId ?? ""), initiated: String(u.Initiated ?? "") }));
  }

  /** The parts of an upload (all pages). */
  async listParts(bucket: string, key: string, uploadId: string): Promise<PartInfo[]> {
    const out: PartInfo[] = [];
    let marker = 0;
    for (let page = 0; page < 20; page++) {
      const a = (await this.call({ op: "list parts", method: "GET", bucket, key, idempotent: true,
        query: [["uploadId", uploadId], ["part-number-marker", String(marker)], ["max-parts", "1000"]] }))!;
      const doc = xml.parse(a.text)?.ListPartsResult as { Part?: { PartNumber?: string; Size?: string; ETag?: string }[]; IsTruncated?: string; NextPartNumberMarker?: string } | undefined;
      for (const p of doc?.Part ?? []) out.push({ partNumber: Number(p.PartNumber), size: Number(p.Size), etag: unquote(p.ETag) });
      if (doc?.IsTruncated !== "true" || !doc.NextPartNumberMarker) break;
      marker = Number(doc.NextPartNumberMarker);
    }
    return out;
  }

  /** Objects under a prefix (every page), with their size and last-modified time. */
  async listObjects(bucket: string, prefix: string): Promise<{ key: string; size: number; lastModified: string }[]> {
    const out: { key: string; size: number; lastModified: string }[] = [];
    let marker = "";
    for (let page = 0; page < 1000; page++) {
      const a = (await this.call({ op: "list objects", method: "GET", bucket, idempotent: true,
        query: [["prefix", prefix], ["marker", marker], ["max-keys", "1000"]] }))!;
      const doc = xml.parse(a.text)?.ListBucketResult as { Contents?: { Key?: string; Size?: string; LastModified?: string }[]; IsTruncated?: string; NextMarker?: string } | undefined;
      const contents = doc?.Contents ?? [];
      for (const c of contents) out.push({ key: String(c.Key ?? ""), size: Number(c.Size ?? 0), lastModified: String(c.LastModified ?? "") });
      if (doc?.IsTruncated !== "true" || contents.length === 0) break;
      marker = doc.NextMarker ?? String(contents[contents.length - 1].Key);
    }
    return out;
  }

  /** DELETE object (absent is fine). */
  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.call({ op: "DELETE object", method: "DELETE", bucket, key, idempotent: true, absentOk: [404] });
  }

  private checkedEtag(a: Answer, what: string): string {
    const etag = unquote(a.headers.etag);
    if (a.sentMd5 && etag && !etag.includes("-") && etag !== a.sentMd5) {
      throw new ObsRequestError({ operation: `PUT ${what}`, status: a.status, detail: `the stored ETag ${etag} is not the MD5 of the bytes sent (${a.sentMd5}): the data was corrupted in transit` });
    }
    return etag;
  }

  /** One call through the transport: the address, the signed resource, the body and its MD5 tap. */
  private async call(c: Call): Promise<Answer | undefined> {
    const addr = bucketAddress(this.endpoint, c.bucket);
    const query = c.query ?? [];
    const search = query.length ? `?${query.map(([k, v]) => (v === "" ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&")}` : "";
    const path = requestPath(addr, c.key) + search;
    const a = await this.transport.exchange({
      method: c.method, origin: addr.origin, path, retryPath: `OBS ${c.bucket} ${path}`,
      where: `${c.op} ${c.bucket}${c.key !== undefined ? `/${c.key}` : ""}`, resourcePath: resourcePath(addr, c.key), query,
      headers: { ...(c.headers ?? {}), ...(c.body !== undefined ? { "Content-Length": String(c.body.length) } : {}) },
      body: c.body, md5: c.body !== undefined, idempotent: c.idempotent, absentOk: c.absentOk,
    });
    return a && { status: a.status, headers: flatHeaders(a.headers), text: a.data.toString("utf8"), sentMd5: a.sentMd5 };
  }
}
