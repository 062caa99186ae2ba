/**
 * Small node:http helpers shared by the API, admin and download routes: bounded body reading, JSON and
 * error answers, and destroying a connection without answering (for faults).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./errors";

/** A request body, or `overflow` when it exceeded the cap (the rest was drained, not kept). */
export interface ReadBody {
  body: Buffer;
  overflow: boolean;
}

/** Reads the body, keeping at most `cap` bytes. */
export function readBody(req: IncomingMessage, cap: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        overflow = true;
        chunks.length = 0;
      } else if (!overflow) chunks.push(c);
    });
    req.on("end", () => resolve({ body: Buffer.concat(chunks), overflow }));
    req.on("error", reject);
    req.on("close", () => {
      if (!req.complete) reject(new Error("the client closed the connection before sending the whole body"));
    });
  });
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
