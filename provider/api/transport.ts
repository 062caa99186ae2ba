/**
 * The one HTTP transport of the provider: every FunctionGraph and OBS request goes through `Transport.exchange`,
 * which signs (a plug-in per service, called again on every attempt so the signature's date stays fresh), sends
 * over the shared per-origin undici pools (dispatcher-cache.ts) under one timeout policy (`attemptTimeoutMs`),
 * retries per retry-policy.ts, marks a failed write whose outcome is unknown `ambiguous`, and masks credentials in
 * any text that came from outside. Bodies are bytes, a streamed body produced anew on every attempt, or a file
 * range re-opened on every attempt: a retried upload never needs a copy in memory. The retry loop itself
 * (`retrying`) is exported for the one retry above a single request: `create` importing again after an
 * ambiguous import that certainly did not land.
 *
 * Serialization-safe (Pulumi's function serializer captures this module with a captured client): no module state
 * but plain values, no `#private` fields, no Set or Map constants; bodies are recognized by shape, not class.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import type { Dispatcher } from "undici";
import { redactSecrets } from "../auth/redact";
import type { Credentials } from "../auth/resolve-target";
import type { StreamedBody } from "./code-upload-stream";
import { dispatcherFor } from "./dispatcher-cache";
import { classifyNetworkFailure, describeNetworkFailure, type NetworkFailure } from "./network-failure";
import { backoffDelay, isAmbiguousRequest, maxRetriesFromEnv, retryBaseDelayFromEnv, retryCap, shouldRetry } from "./retry-policy";

/** Default per-attempt timeout (ms): generous, an import uploads up to tens of MB. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** The slowest link a request body must still get through: 128 KiB/s (1 Mbit/s). */
export const MIN_UPLOAD_BYTES_PER_SECOND = 128 * 1024;

/**
 * One attempt's timeout: `baseMs` for the exchange plus the time to send `bodyBytes` at the slowest link we
 * support. A 50 MB code zip is ~67 MB of Base64 JSON — 9 minutes at 1 Mbit/s — and a flat timeout would make
 * every retry of it fail the same way.
 */
export function attemptTimeoutMs(baseMs: number, bodyBytes: number): number {
  return baseMs + Math.ceil((bodyBytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);
}

/** What `onRetry` is told before each backoff. Never contains a credential. */
export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  method: string;
  path: string;
  /** e.g. `HTTP 429 FSS.0429` or `connection lost (ECONNRESET)`. */
  reason: string;
}

/** The retry and timeout settings every client takes (each one defaults as documented). */
export interface TransportSettings {
  /** Retries after the first attempt (default `HW_MAX_RETRIES` or 5). */
  maxRetries?: number;
  /** Per-attempt timeout covering headers and body (default 120 s), stretched for large bodies (`attemptTimeoutMs`). */
  timeoutMs?: number;
  /** First backoff step; delays are full-jitter `[0, base·2^n)` capped at 30 s (default `HW_RETRY_BASE_DELAY_MS` or 1000 ms). */
  retryBaseDelayMs?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Test seam: how to wait (default `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
  /** Test seam: the clock that dates each signature (default `new Date()`). */
  now?: () => Date;
}

/** A byte range of a file, re-opened on every attempt. */
export interface FileRange {
  file: string;
  start: number;
  length: number;
}

/** A request body: bytes, a body produced on demand (code-upload-stream.ts), or a file range. */
export type RequestBody = Buffer | StreamedBody | FileRange;

/** One request as the transport sends it (a service's request type adds what its signer needs). */
export interface OutgoingRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** `https://host:port`: picks the shared pool. */
  origin: string;
  /** The path and query exactly as sent. */
  path: string;
  /** The headers before signing. */
  headers: Record<string, string>;
  body?: RequestBody;
  /** Safe to repeat blindly after an ambiguous failure. */
  idempotent: boolean;
  /** Statuses that end the exchange successfully with `undefined` (e.g. 404 on delete). */
  absentOk?: number[];
  /** Hash the bytes that leave with MD5 (the answer's `sentMd5`): OBS checks an ETag against it. */
  md5?: boolean;
  /** The path `onRetry` names. */
  retryPath: string;
}

/** A complete HTTP response (a HEAD's body is empty). */
export interface Answer {
  status: number;
  /** undici's headers: lower-case names. */
  headers: Dispatcher.ResponseData["headers"];
  data: Buffer;
  /** MD5 (hex) of the body actually sent, with `md5`. */
  sentMd5?: string;
}

/** The signing plug-in: the headers to send for a request (called again on every attempt, with its clock). */
export type Signer<R extends OutgoingRequest> = (request: R, now: Date) => Record<string, string>;

/** How a service turns failures into its own typed errors. */
export interface ErrorMaker<R extends OutgoingRequest> {
  /** A request that got no complete response (`detail` already redacted). */
  network(request: R, failure: NetworkFailure, ambiguous: boolean): Error;
  /** An answer outside 2xx (and `absentOk`): the service's error code (for the retry line) and the error. */
  answer(request: R, answer: Answer, ambiguous: boolean): { code?: string; error: Error };
}

/**
 * An attempt's request for another one: why (the retry line), what to throw when none is left, and the tighter
 * limits this failure brings (retry-policy.ts `retryCap`): the loop then gives up once `maxRetries` retries
 * were made in all, and backs off from `baseDelayMs` at most.
 */
export interface RetryLater {
  retryLater: string;
  error: Error;
  maxRetries?: number;
  baseDelayMs?: number;
}

/** The loop's settings (retries and base delay default to the environment, read at call time). */
export interface RetryLoopOptions {
  maxRetries?: number;
  retryBaseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told before each backoff. */
  onRetry?: (attempt: number, delayMs: number, reason: string) => void;
}

const isRetryLater = (x: unknown): x is RetryLater =>
  typeof x === "object" && x !== null && typeof (x as RetryLater).retryLater === "string";

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The retry loop: runs `attempt` (numbered from 1) until it returns anything but a `RetryLater`; after a
 * `RetryLater` it waits the policy's full-jitter backoff and goes again, or throws its error once the retries
 * are spent (the `RetryLater`'s own cap, if tighter). Throwing from `attempt` ends the loop at once (a failure not worth repeating).
 */
export async function retrying<T>(opts: RetryLoopOptions, attempt: (n: number) => Promise<T | RetryLater>): Promise<T> {
  const maxRetries = opts.maxRetries ?? maxRetriesFromEnv();
  const baseMs = opts.retryBaseDelayMs ?? retryBaseDelayFromEnv();
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if (!isRetryLater(outcome)) return outcome;
    if (n > Math.min(maxRetries, outcome.maxRetries ?? maxRetries)) throw outcome.error;
    const delayMs = backoffDelay(n - 1, Math.min(baseMs, outcome.baseDelayMs ?? baseMs));
    opts.onRetry?.(n, delayMs, outcome.retryLater);
    await (opts.sleep ?? wait)(delayMs);
  }
}

/** Duck-typed: a class or global captured by Pulumi's serializer may not be the one the body was made with. */
const isStreamed = (b: RequestBody): b is StreamedBody => typeof (b as StreamedBody).chunks === "function";

/** A pass-through stream hashing what is sent, so a part's ETag can be checked against the bytes that left. */
interface Md5Tap {
  stream: Transform;
  hex(): string;
}

/**
 * A new tap. A `Transform` made from options, not a subclass: a subclass would have Pulumi's serializer capture
 * node's stream internals by value (and fail) with a captured client.
 */
function md5Tap(): Md5Tap {
  const md5 = createHash("md5");
  const stream = new Transform({
    transform(chunk: Buffer, _e, done) {
      md5.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, hex: () => md5.digest("hex") };
}

/** A file range as a stream. */
function rangeStream(body: FileRange): NodeJS.ReadableStream {
  return createReadStream(body.file, { start: body.start, end: body.start + body.length - 1, highWaterMark: 256 * 1024 });
}

/** What undici sends for `body` this attempt: a fresh pass over it, through an MD5 tap when asked. */
function payload(body: RequestBody | undefined, md5: boolean): { payload?: unknown; tap?: Md5Tap } {
  if (body === undefined) return {};
  // An iterable body (documented for dispatch/request; missing from undici's types): string slices go to the
  // socket as they are, with no Buffer copy per slice for the GC to collect late.
  if (isStreamed(body)) return { payload: body.chunks() };
  if (!md5) return { payload: Buffer.isBuffer(body) ? body : rangeStream(body as FileRange) };
  const tap = md5Tap();
  if (Buffer.isBuffer(body)) tap.stream.end(body);
  else if ((body as FileRange).length === 0) tap.stream.end();
  else {
    const source = rangeStream(body as FileRange) as ReturnType<typeof createReadStream>;
    source.on("error", (err) => tap.stream.destroy(err));
    tap.stream.on("close", () => source.destroy());
    source.pipe(tap.stream);
  }
  return { payload: tap.stream, tap };
}

/** The first value of a response header (undici gives a repeated header as an array). */
export const firstHeader = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const hasHeader = (headers: Record<string, string>, name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);

/** Sends a service's requests: sign, send, retry, time out, redact — see the module comment. */
export class Transport<R extends OutgoingRequest> {
  private readonly credentials: Credentials;
  private readonly sign: Signer<R>;
  private readonly errors: ErrorMaker<R>;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly counters = { requests: 0, retries: 0, bytesSent: 0 };

  constructor(settings: TransportSettings, service: { credentials: Credentials; sign: Signer<R>; errors: ErrorMaker<R> }) {
    this.credentials = service.credentials;
    this.sign = service.sign;
    this.errors = service.errors;
    this.maxRetries = settings.maxRetries ?? maxRetriesFromEnv();
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryBaseDelayMs = settings.retryBaseDelayMs ?? retryBaseDelayFromEnv();
    this.onRetry = settings.onRetry;
    this.sleep = settings.sleep ?? wait;
    this.now = settings.now ?? (() => new Date());
  }

  /** Attempts sent, retries made and body bytes sent (of answered attempts) so far. */
  stats(): { requests: number; retries: number; bytesSent: number } {
    return { ...this.counters };
  }

  /** Masks any credential value in text that came from outside (server messages, low-level errors). */
  redact(text: string): string {
    return redactSecrets(text, this.credentials);
  }

  /**
   * One request to its end: the 2xx answer, `undefined` for an `absentOk` status, or the service's error once
   * the failure is not retryable or the retries are spent.
   */
  async exchange(req: R): Promise<Answer | undefined> {
    const mutating = req.method !== "GET" && req.method !== "HEAD";
    const onRetry = (attempt: number, delayMs: number, reason: string) => {
      this.counters.retries++;
      this.onRetry?.({ attempt, delayMs, method: req.method, path: req.retryPath, reason });
    };
    return retrying({ maxRetries: this.maxRetries, retryBaseDelayMs: this.retryBaseDelayMs, sleep: this.sleep, onRetry }, async () => {
      const outcome = await this.attempt(req);
      if ("kind" in outcome) {
        const failure = { network: outcome.kind };
        const error = this.errors.network(req, { ...outcome, detail: this.redact(outcome.detail) }, isAmbiguousRequest(failure, mutating));
        if (!shouldRetry(failure, req.idempotent)) throw error;
        return { retryLater: describeNetworkFailure(outcome.kind, outcome.code), error, ...retryCap(failure) };
      }
      if (outcome.status >= 200 && outcome.status < 300) return outcome;
      if (req.absentOk?.includes(outcome.status)) return undefined;
      const failure = { status: outcome.status };
      const { code, error } = this.errors.answer(req, outcome, isAmbiguousRequest(failure, mutating));
      if (!shouldRetry(failure, req.idempotent)) throw error;
      return { retryLater: `HTTP ${outcome.status}${code ? ` ${code}` : ""}`, error };
    });
  }

  /**
   * One attempt: sign, send, read the whole answer within the timeout. A network failure or timeout is returned
   * (classified), not thrown, so only transport errors — never a bug in this code — count as retryable.
   */
  private async attempt(req: R): Promise<Answer | NetworkFailure> {
    this.counters.requests++;
    const headers = this.sign(req, this.now());
    const length = req.body?.length ?? 0;
    // A streamed body's length is not known to undici: announce it (unsigned, as the services expect).
    if (req.body !== undefined && !Buffer.isBuffer(req.body) && !hasHeader(headers, "content-length")) headers["Content-Length"] = String(length);
    const timeoutMs = attemptTimeoutMs(this.timeoutMs, length);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const { payload: body, tap } = payload(req.body, req.md5 === true);
    try {
      const res = await dispatcherFor(req.origin).request({
        origin: req.origin, path: req.path, method: req.method, headers,
        body: body as Dispatcher.DispatchOptions["body"], signal: controller.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
      let data: Buffer;
      if (req.method === "HEAD") {
        await res.body.dump();
        data = Buffer.alloc(0);
      } else {
        data = Buffer.from(await res.body.arrayBuffer());
      }
      this.counters.bytesSent += length;
      return { status: res.statusCode, headers: res.headers, data, sentMd5: tap?.hex() };
    } catch (err) {
      if (timedOut) return { kind: "timeout", detail: `no complete response within ${timeoutMs} ms` };
      return classifyNetworkFailure(err);
    } finally {
      clearTimeout(timer);
    }
  }
}
