/**
 * The OBS endpoint of the emulator: a second loopback HTTP server (its URL is printed beside the FunctionGraph
 * one), and the same service over HTTPS on a third port (a self-signed certificate, obs-tls.ts). Both addressing styles work: path style `http://127.0.0.1:<port>/<bucket>/<key>` (what the official SDK
 * uses against an IP address) and virtual-host style, where the Host header is `<bucket>.obs.<anything>` (e.g.
 * `<bucket>.obs.cn-north-4.myhuaweicloud.com` sent to the loopback port). Each request: operation match →
 * authentication (OBS, AWS V2 or AWS V4 signature; an aws-chunked V4 body is decoded and its chunk signatures
 * checked on the way to the handler) → faults → handler (bodies streamed to disk) → commit-then-drop.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { guardServer } from "../http/server-guards";
import { listenOnLoopback } from "../http/loopback-listen";
import type { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { passFaultGate, type FaultAnswers } from "../http/fault-gate";
import { dropConnection } from "../http/http-io";
import type { EmulatorCredentials } from "../options";
import { authenticateObs, type ObsAuthKind } from "./obs-auth";
import { authenticateV4, isV4 } from "./obs-auth-v4";
import { AwsChunkedDecoder } from "./obs-aws-chunked";
import { ObsError, ObsErrors } from "./obs-errors";
import { ObsFaults } from "./obs-faults";
import type { ObsReply } from "./obs-handlers";
import { matchObsOperation } from "./obs-operations";
import type { ObjectMeta, ObsStore } from "./obs-store";
import { xmlDocument } from "./xml";

/** One logged OBS request (never a credential). */
export interface ObsLogEntry {
  seq: number;
  time: string;
  method: string;
  bucket?: string;
  key?: string;
  query: string;
  operation: string;
  status: number;
  authKind: ObsAuthKind;
  /** Request body bytes received (uploads). */
  bytesIn: number;
  errorCode?: string;
  fault?: string;
}

/** What the OBS server needs from the emulator. */
export interface ObsServerOptions {
  host: string;
  /**
   * Binds each endpoint: calls `listen` (which binds to a port, 0 = a free one, and resolves with the port bound)
   * as often as it needs — e.g. on a data dir's kept port, then a free one (store/home-port.ts).
   */
  listenAt: (which: "http" | "https", listen: (port: number) => Promise<number>) => Promise<number>;
  region: string;
  credentials: EmulatorCredentials;
  clockSkewToleranceMs: number;
  store: ObsStore;
  faults: ObsFaults;
  quiet: boolean;
  /** Where warnings go (e.g. `[::1]` at a port held by another process: http/loopback-listen.ts). */
  warn?: (msg: string) => void;
  /** Also serve HTTPS with this certificate (its port: `listenAt("https", …)`). */
  tls?: { cert: string; key: string };
}

/** A running OBS endpoint. */
export interface ObsServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `https://127.0.0.1:<port>` when a certificate was given. */
  httpsUrl?: string;
  /** Logged requests, oldest first. */
  requests(): ObsLogEntry[];
  clearLog(): void;
  close(): Promise<void>;
}

/** OBS's answers to the 429 (503 SlowDown, its throttling answer), 500 and 503 faults. */
const OBS_FAULT_ANSWERS: FaultAnswers = { "429": () => ObsErrors.slowDown(), "500": () => ObsErrors.internal(), "503": () => ObsErrors.unavailable() };

const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.obs\./;

/** Splits a request into bucket and key (path style, or virtual-host style by the Host header). */
export function addressOf(hostHeader: string | undefined, rawPath: string): { bucket?: string; key?: string; resourcePath: string } {
  const hostname = (hostHeader ?? "").replace(/:\d+$/, "").toLowerCase();
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const vh = VIRTUAL_HOST.exec(hostname);
  if (vh) {
    const key = rawPath.length > 1 ? decode(rawPath.slice(1)) : undefined;
    return { bucket: vh[1], key, resourcePath: `/${vh[1]}${rawPath}` };
  }
  const slash = rawPath.indexOf("/", 1);
  const bucket = rawPath.length > 1 ? decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash)) : undefined;
  const keyText = slash < 0 ? "" : rawPath.slice(slash + 1);
  return { bucket, key: keyText ? decode(keyText) : undefined, resourcePath: rawPath };
}

function replyFor(req: IncomingMessage, res: ServerResponse, store: ObsStore, requestId: string): ObsReply & { sent(): number } {
  let status = 0;
  const base = { "x-obs-request-id": requestId, "x-amz-request-id": requestId, "x-obs-id-2": requestId, Server: "OBS" };
  return {
    sent: () => status,
    xml(s, root, body, headers = {}) {
      status = s;
      const text = xmlDocument(root, body);
      res.writeHead(s, { ...base, ...headers, "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(text) });
      res.end(req.method === "HEAD" ? undefined : text);
    },
    empty(s, headers = {}) {
      status = s;
      res.writeHead(s, { "Content-Length": "0", ...base, ...headers });
      res.end();
    },
    object(meta: ObjectMeta, range) {
      status = range ? 206 : 200;
      const length = range ? range.end - range.start + 1 : meta.size;
      res.writeHead(status, {
        ...base, ETag: meta.etag, "Last-Modified": new Date(meta.lastModified).toUTCString(), "Content-Type": meta.contentType,
        "Content-Length": String(length), "Accept-Ranges": "bytes",
        ...(range ? { "Content-Range": `bytes ${range.start}-${range.end}/${meta.size}` } : {}),
      });
      store.openObject(meta, range).on("error", () => res.destroy()).pipe(res);
    },
  };
}

/** Starts the OBS endpoint on its own port. */
export async function startObsServer(o: ObsServerOptions): Promise<ObsServer> {
  const log: ObsLogEntry[] = [];
  let seq = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomBytes(16).toString("hex").toUpperCase();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    const { bucket, key, resourcePath } = addressOf(req.headers.host, rawPath);
    const query = new URLSearchParams(rawQuery);
    const op = matchObsOperation(method, bucket, key, query, req.headers);
    const reply = replyFor(req, res, o.store, requestId);
    let bytesIn = 0;
    req.on("data", (c: Buffer) => { bytesIn += c.length; });
    const entry: ObsLogEntry = {
      seq: 0, time: new Date().toISOString(), method, bucket, key, query: rawQuery, operation: op?.name ?? "unknown",
      status: 0, authKind: "anonymous", bytesIn: 0,
    };
    const faults: string[] = [];
    const finish = (status: number, errorCode?: string) => {
      entry.seq = ++seq;
      entry.status = status;
      entry.bytesIn = bytesIn;
      if (errorCode) entry.errorCode = errorCode;
      if (faults.length) entry.fault = faults.join("+");
      log.push(entry);
      if (log.length > 10_000) log.shift();
      if (!o.quiet) process.stderr.write(`[fgs-emulator obs] ${method} ${rawPath} -> ${status || "dropped"} ${entry.operation}${entry.fault ? ` fault=${entry.fault}` : ""}\n`);
    };
    try {
      if (!op) throw ObsErrors.methodNotAllowed();
      if (!op.anonymous) entry.authKind = isV4(req.headers, query) ? "v4" : "anonymous";
      let body: Readable = req;
      if (!op.anonymous && isV4(req.headers, query)) {
        const auth = authenticateV4({ method, rawPath, rawQuery, headers: req.headers }, o.credentials, o.region, o.clockSkewToleranceMs);
        if (auth.streaming) {
          const decoder = new AwsChunkedDecoder(auth.streaming);
          req.on("error", (e) => decoder.destroy(e));
          body = req.pipe(decoder);
        }
      } else if (!op.anonymous) {
        const auth = authenticateObs({ method, resourcePath, rawQuery, headers: req.headers }, o.credentials, o.clockSkewToleranceMs);
        entry.authKind = auth.kind;
      }
      const gate = passFaultGate(o.faults.before(), req, faults, OBS_FAULT_ANSWERS);
      if (gate && (await gate) === "dropped") return finish(0);
      // Commit-then-drop: the handler's answer is held back, the write done, then the connection destroyed.
      const dropping = { armed: false };
      const held: ObsReply = {
        xml: (...a) => {
          if (o.faults.dropAfterCommit(op.name)) dropping.armed = true;
          else reply.xml(...a);
        },
        empty: (...a) => {
          if (o.faults.dropAfterCommit(op.name)) dropping.armed = true;
          else reply.empty(...a);
        },
        object: (...a) => reply.object(...a),
      };
      await op.handler.handle({ req, body, method, bucket, key, query, store: o.store, region: o.region, now: Date.now(), reply: held });
      if (dropping.armed) {
        faults.push("commitDrop");
        dropConnection(req);
        return finish(0);
      }
      finish(reply.sent());
    } catch (err) {
      const e = err instanceof ObsError ? err : ObsErrors.internal(err instanceof Error ? err.message : String(err));
      if (!res.headersSent && !req.socket.destroyed) {
        const body = { Code: e.code, Message: e.message, RequestId: requestId, HostId: requestId, ...(bucket ? { BucketName: bucket } : {}) };
        reply.xml(e.status, "Error", body, { "x-obs-error-code": e.code, "x-obs-error-message": encodeURIComponent(e.message).slice(0, 512) });
      }
      if (!req.complete) req.resume();
      finish(e.status, e.code);
    }
  };
  const listen = async (server: Server, which: "http" | "https"): Promise<string> => {
    guardServer(server, { refuseFunctions: true }); // function code cannot reach OBS
    await o.listenAt(which, (port) => listenOnLoopback(server, port, o.host, which === "http" ? "OBS" : "OBS over HTTPS", o.warn ?? (() => {})));
    const address = server.address() as AddressInfo;
    return `${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  const servers: Server[] = [server];
  const host = await listen(server, "http");
  let httpsUrl: string | undefined;
  if (o.tls) {
    const secure = createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, (req, res) => void handle(req, res));
    try {
      httpsUrl = `https://${await listen(secure, "https")}`;
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
    servers.push(secure);
  }
  return {
    url: `http://${host}`,
    httpsUrl,
    requests: () => log.map((e) => ({ ...e })),
    clearLog: () => { log.length = 0; },
    close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    }))).then(() => undefined),
  };
}
