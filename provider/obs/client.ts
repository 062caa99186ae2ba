/**
 * The OBS client the provider stages code with (undici, the shared per-origin pools): HEAD/PUT object, the
 * multipart calls, bucket HEAD (its region), each signed with the OBS native signature from the same AK/SK
 * (and temporary token) as FunctionGraph. One retry mechanism — provider/api/retry-policy.ts — with bodies
 * re-read from their file on every attempt, so a retried part never needs a copy in memory.
 *
 * Serialization-safe like the FunctionGraph client: credentials live on the instance, created at run time.
 */
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import type { Dispatcher } from "undici";
import { XMLParser } from "fast-xml-parser";
import { redactSecrets } from "../auth/redact";
import type { Credentials } from "../auth/resolve-target";
import { attemptTimeoutMs, DEFAULT_TIMEOUT_MS, type RetryInfo } from "../api/client";
import { dispatcherFor } from "../api/dispatcher-cache";
import { NetworkError } from "../api/errors";
import { classifyNetworkFailure, type NetworkFailure } from "../api/network-failure";
import { backoffDelay, isAmbiguousRequest, maxRetriesFromEnv, retryBaseDelayFromEnv, shouldRetry } from "../api/retry-policy";
import { bucketAddress, requestPath, resourcePath } from "./endpoint";
import { ObsConfigurationError, ObsRequestError } from "./errors";
import { signObsRequest, type ObsKeys } from "./sign";

/** A request body: bytes, or a byte range of a file (re-opened on every attempt). */
export type ObsBody = Buffer | { file: string; start: number; length: number };

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

/** Client options. */
export interface ObsClientOptions {
  /** `https://obs.<region>.myhuaweicloud.com`, or a path-style endpoint such as the emulator's. */
  endpoint: string;
  credentials: Credentials;
  maxRetries?: number;
  retryBaseDelayMs?: number;
  /** Per-attempt base timeout (stretched by the body size, see `attemptTimeoutMs`). */
  timeoutMs?: number;
  onRetry?: (info: RetryInfo) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
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
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, removeNSPrefix: true, isArray: (n) => ["Upload", "Part", "Contents"].includes(n) });

function bodyLength(body: ObsBody | undefined): number {
  if (body === undefined) return 0;
  return Buffer.isBuffer(body) ? body.length : body.length;
}

/** Hashes what is sent, so a part's ETag can be checked against the bytes that left. */
class Md5Tap extends Transform {
  private readonly md5 = createHash("md5");
  override _transform(chunk: Buffer, _e: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.md5.update(chunk);
    done(null, chunk);
  }
  hex(): string {
    return this.md5.digest("hex");
  }
}

/** Signs and sends OBS requests with retries; see the module comment. */
export class ObsClient {
  private readonly endpoint: string;
  private readonly keys: ObsKeys;
  private readonly credentials: Credentials;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly timeoutMs: number;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly counters = { requests: 0, retries: 0, bytesSent: 0 };

  constructor(opts: ObsClientOptions) {
    if (opts.credentials.kind !== "aksk") {
      throw new ObsConfigurationError("credentials", "staging code in OBS needs an access key and secret key (an IAM token cannot sign OBS requests): set functiongraph:accessKey and functiongraph:secretKey");
    }
    this.endpoint = opts.endpoint;
    this.credentials = opts.credentials;
    this.keys = { accessKey: opts.credentials.accessKey, secretKey: opts.credentials.secretKey, securityToken: opts.credentials.securityToken };
    this.maxRetries = opts.maxRetries ?? maxRetriesFromEnv();
    this.retryBaseDelayMs = opts.retryBaseDelayMs ?? retryBaseDelayFromEnv();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onRetry = opts.onRetry;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? (() => new Date());
  }

  /** Requests sent, retries made and body bytes sent so far. */
  stats(): { requests: number; retries: number; bytesSent: number } {
    return { ...this.counters };
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

  /** The attempt loop: sign, send, retry per the shared policy, or throw a typed error. */
  private async call(c: Call): Promise<Answer | undefined> {
    const addr = bucketAddress(this.endpoint, c.bucket);
    const query = c.query ?? [];
    const search = query.length ? `?${query.map(([k, v]) => (v === "" ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&")}` : "";
    const path = requestPath(addr, c.key) + search;
    const where = `${c.op} ${c.bucket}${c.key !== undefined ? `/${c.key}` : ""}`;
    const mutating = c.method !== "GET" && c.method !== "HEAD";
    for (let attempt = 1; ; attempt++) {
      const headers = signObsRequest({ method: c.method, resourcePath: resourcePath(addr, c.key), query, headers: {
        ...(c.headers ?? {}), ...(c.body !== undefined ? { "Content-Length": String(bodyLength(c.body)) } : {}),
      } }, this.keys, this.now());
      const outcome = await this.send(addr.origin, path, c.method, headers, c.body);
      if ("kind" in outcome) {
        const failure = { network: outcome.kind };
        if (shouldRetry(failure, c.idempotent) && attempt <= this.maxRetries) {
          await this.backoff(attempt, c, path, `network ${outcome.kind}${outcome.code ? ` (${outcome.code})` : ""}`);
          continue;
        }
        throw new NetworkError({ method: c.method, path: where, kind: outcome.kind, code: outcome.code,
          detail: redactSecrets(outcome.detail, this.credentials), ambiguous: isAmbiguousRequest(failure, mutating) });
      }
      if (outcome.status >= 200 && outcome.status < 300) return outcome;
      if (c.absentOk?.includes(outcome.status)) return undefined;
      const failure = { status: outcome.status };
      const code = /<Code>([^<]*)<\/Code>/.exec(outcome.text)?.[1] ?? outcome.headers["x-obs-error-code"];
      if (shouldRetry(failure, c.idempotent) && attempt <= this.maxRetries) {
        await this.backoff(attempt, c, path, `HTTP ${outcome.status}${code ? ` ${code}` : ""}`);
        continue;
      }
      const message = /<Message>([^<]*)<\/Message>/.exec(outcome.text)?.[1] ?? (outcome.text.replace(/\s+/g, " ").slice(0, 200) || `HTTP ${outcome.status}`);
      throw new ObsRequestError({ operation: where, status: outcome.status, code, detail: redactSecrets(message, this.credentials),
        requestId: outcome.headers["x-obs-request-id"] ?? outcome.headers["x-amz-request-id"], ambiguous: isAmbiguousRequest(failure, mutating) });
    }
  }

  private async send(origin: string, path: string, method: string, headers: Record<string, string>, body: ObsBody | undefined): Promise<Answer | NetworkFailure> {
    this.counters.requests++;
    const length = bodyLength(body);
    const timeoutMs = attemptTimeoutMs(this.timeoutMs, length);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const tap = body === undefined ? undefined : new Md5Tap();
    let payload: Buffer | NodeJS.ReadableStream | undefined;
    if (body !== undefined && tap) {
      if (Buffer.isBuffer(body)) {
        tap.end(body);
        payload = tap;
      } else {
        if (body.length === 0) tap.end();
        else {
          const source = createReadStream(body.file, { start: body.start, end: body.start + body.length - 1, highWaterMark: 256 * 1024 });
          source.on("error", (err) => tap.destroy(err));
          tap.on("close", () => source.destroy());
          source.pipe(tap);
        }
        payload = tap;
      }
    }
    try {
      const res = await dispatcherFor(origin).request({
        origin, path, method: method as Dispatcher.HttpMethod, headers, body: payload as Dispatcher.DispatchOptions["body"],
        signal: controller.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
      const text = method === "HEAD" ? "" : await res.body.text();
      if (method === "HEAD") await res.body.dump();
      this.counters.bytesSent += length;
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : String(v);
      return { status: res.statusCode, headers: flat, text, sentMd5: tap?.hex() };
    } catch (err) {
      if (timedOut) return { kind: "timeout", detail: `no complete response within ${timeoutMs} ms` };
      return classifyNetworkFailure(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private async backoff(attempt: number, c: Call, path: string, reason: string): Promise<void> {
    const delayMs = backoffDelay(attempt - 1, this.retryBaseDelayMs);
    this.counters.retries++;
    this.onRetry?.({ attempt, delayMs, method: c.method, path: `OBS ${c.bucket} ${path}`, reason });
    await this.sleep(delayMs);
  }
}
