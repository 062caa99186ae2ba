/**
 * A scripted HTTP server on 127.0.0.1 (port 0) for client tests: each request is recorded (method, url,
 * headers, body) and answered by the next handler of the script (the last one repeats).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A request as the server received it. */
export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Answers one request; may write, delay or destroy the socket. */
export type Handler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/** A running loopback server. */
export interface Loopback {
  url: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

/** Sends a JSON body with a status and an optional request id. */
export function json(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": data.length,
    ...(requestId ? { "X-Request-Id": requestId } : {}) });
  res.end(data);
}

/** Starts a server answering with `script` in order (the last handler repeats). `port` 0 = any free port. */
export async function startLoopback(script: Handler[], port = 0): Promise<Loopback> {
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (c: Buffer) => chunks.push(c));
    raw.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.headers)) if (typeof v === "string") headers[k] = v;
      const rec: Recorded = { method: raw.method ?? "", url: raw.url ?? "", headers, body: Buffer.concat(chunks) };
      requests.push(rec);
      const handler = script[Math.min(requests.length - 1, script.length - 1)];
      void handler(rec, res, raw);
    });
  });
  // Client and server share one event loop: with the default 5 s keep-alive, a loop blocked past it (a loaded
  // machine) lets the server close a socket the client is about to reuse (ECONNRESET). Tests close sockets
  // themselves in close().
  server.keepAliveTimeout = 60_000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
