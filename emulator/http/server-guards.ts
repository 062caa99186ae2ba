/**
 * What every server of the emulator gets before it listens, in one place: idle keep-alive connections end after
 * `KEEP_ALIVE_MS`, a connection that never sends a request after `IDLE_CONNECTION_MS` (idle-connections.ts), and —
 * for the servers function code must not reach (the API and admin surface, OBS) — a connection from a sandboxed
 * function is reset before a byte is read (sandbox-peer-guard.ts; only where they can be told apart: root).
 */
import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { closeIdleConnections } from "./idle-connections";
import { refuseSandboxedPeers } from "./sandbox-peer-guard";

/** How long a keep-alive connection may stay idle between requests. */
export const KEEP_ALIVE_MS = 5000;

/** Applies the guards above to `server`; `refuseFunctions` for a server function code must not reach. */
export function guardServer(server: HttpServer | HttpsServer, opts: { refuseFunctions: boolean }): void {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  closeIdleConnections(server);
  if (opts.refuseFunctions) refuseSandboxedPeers(server);
}
