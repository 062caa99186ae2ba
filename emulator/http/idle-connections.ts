/**
 * Connections that never send a request are closed: a client (function code on loopback among them) could
 * otherwise hold open as many sockets as it likes, each a descriptor of the emulator's, until they run out. Node's
 * `headersTimeout` does not end a connection that has not begun a request, and a socket-wide `server.timeout`
 * would also end a sync invocation whose client waits silently for its answer; so each new connection gets a
 * timer of its own, cleared by its first request. Idle keep-alive connections after a request are ended by the
 * server's `keepAliveTimeout` (server-guards.ts sets both).
 */
import type { Server as HttpServer } from "node:http";
import { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";

/** How long a new connection may stay without a request. */
export const IDLE_CONNECTION_MS = 10_000;

/** Closes `server`'s connections that send no request within `idleMs` of opening (of the TLS handshake for HTTPS). */
export function closeIdleConnections(server: HttpServer | HttpsServer, idleMs = IDLE_CONNECTION_MS): void {
  const timers = new WeakMap<Socket, NodeJS.Timeout>();
  // TLS: the handshake has its own timeout (`handshakeTimeout`); the request's socket is the TLS one.
  server.on(server instanceof HttpsServer ? "secureConnection" : "connection", (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), idleMs);
    timer.unref();
    timers.set(socket, timer);
    socket.once("close", () => clearTimeout(timer));
  });
  server.on("request", (req: { socket: Socket }) => {
    clearTimeout(timers.get(req.socket));
    timers.delete(req.socket);
  });
}
