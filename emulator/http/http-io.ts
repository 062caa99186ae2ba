/**
 * Small node:http helpers shared by the API, admin and download routes: bounded body reading, JSON and
 * error answers, and destroying a connection without answering (for faults).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./errors";

/** A request body and its SHA-256 (hex), or `overflow` when it exceeded the cap (the rest was drained, not kept). */
export interface ReadBody {
  body: Buffer;
  sha256: string;
  overflow: boolean;
}

/** The request's declared `Content-Length`, undefined when absent (chunked) or malformed. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers["content-length"];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Follows a body with a `Content-Length` as it arrives (emulator/api/code-body-scan.ts), and hashes it. */
export interface BodyObserver {
  /** The body so far is `body[0, received)`: the same buffer every time, in shared memory, filled in order. */
  onData(body: Buffer, received: number): void;
  /** The SHA-256 (hex) of the whole body, called once it has all arrived. */
  sha256(): Promise<string>;
}

/**
 * Reads the body, keeping at most `cap` bytes, and hashes it (SHA-256, for the signature) as it arrives. A body
 * with a `Content-Length` is copied into one buffer of that size as it comes (`TypedArray#set`: `Buffer#copy`
 * measured 5x slower for 64 KiB chunks); with an `observer`, that buffer is shared memory, the observer sees
 * it grow and hashes it.
 */
export function readBody(req: IncomingMessage, cap: number, observer?: BodyObserver): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const declared = declaredLength(req);
    const into = declared !== undefined && declared <= cap
      ? (observer ? sharedBody(declared) : Buffer.allocUnsafe(declared))
      : undefined;
    const watcher = into ? observer : undefined;
    const chunks: Buffer[] = [];
    const hash = watcher ? undefined : createHash("sha256");
    let size = 0;
    let overflow = false;
    req.on("data", (c: Buffer) => {
      if (overflow) return;
      if (size + c.length > cap || (into && size + c.length > into.length)) {
        overflow = true;
        chunks.length = 0;
        return;
      }
      hash?.update(c);
      if (into) into.set(c, size);
      else chunks.push(c);
      size += c.length;
      if (into) watcher?.onData(into, size);
    });
    req.on("end", () => {
      const body = into ? into.subarray(0, size) : Buffer.concat(chunks);
      (hash ? Promise.resolve(hash.digest("hex")) : watcher!.sha256()).then((sha256) => resolve({ body, sha256, overflow }), reject);
    });
    req.on("error", reject);
    req.on("close", () => {
      if (!req.complete) reject(new Error("the client closed the connection before sending the whole body"));
    });
  });
}

/** How long a spare body buffer is kept for the next upload. */
const SPARE_MS = 60_000;
let spare: { buffer: SharedArrayBuffer; timer: NodeJS.Timeout } | undefined;

/**
 * A shared-memory buffer for an observed body: the spare one when it is big enough. Fresh memory is paid for
 * page by page on first touch, which for a 100 MB upload cost as much as copying the body in. A fresh one has
 * an eighth more room, so that the next upload of an edited tree (a few bytes longer) still fits.
 */
function sharedBody(size: number): Buffer {
  if (spare && spare.buffer.byteLength >= size) {
    const { buffer, timer } = spare;
    clearTimeout(timer);
    spare = undefined;
    return Buffer.from(buffer, 0, size);
  }
  return Buffer.from(new SharedArrayBuffer(size + (size >>> 3)), 0, size);
}

/**
 * Hands back an observed body once its request is answered and nothing reads it any more, to be reused by
 * the next one (the largest is kept, for a minute). Workers still reading an abandoned request's body may
 * then see the next one's bytes: they only produce results nobody waits for.
 */
export function recycleBody(body: Buffer): void {
  const buffer = body.buffer;
  if (!(buffer instanceof SharedArrayBuffer) || (spare && spare.buffer.byteLength >= buffer.byteLength)) return;
  if (spare) clearTimeout(spare.timer);
  const timer = setTimeout(() => { spare = undefined; }, SPARE_MS);
  timer.unref();
  spare = { buffer, timer };
}

/** Answers JSON (or an empty body for 204). */
export function sendJson(res: ServerResponse, status: number, value?: unknown): void {
  if (status === 204 || value === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json;charset=UTF-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Answers raw bytes. */
export function sendBytes(res: ServerResponse, status: number, contentType: string, data: Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": data.length, ...extra });
  res.end(data);
}

/** Answers an `ApiError` as `{error_code, error_msg}`. */
export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, err.body());
}

/** Destroys the connection without an answer (a TCP reset where the platform supports it). */
export function dropConnection(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage["socket"] & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Decodes `%XX` sequences of one path segment; a malformed sequence is kept as written (never throws). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
