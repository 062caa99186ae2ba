/**
 * Listening on loopback by both addresses. Clients that connect to `localhost` may try `::1` first, and function
 * code shares the host's network: were the emulator on 127.0.0.1 only, a function could bind `[::1]:<port>` and
 * receive the requests (and signed headers) meant for the emulator. So a server on 127.0.0.1 also takes
 * `[::1]` at the same port, handing each connection accepted there to the same server (its `connection` event,
 * so guards, timers and TLS apply alike). Best effort: where the machine has no IPv6 loopback it is skipped
 * silently; where another process already holds `[::1]:<port>`, a warning says so.
 */
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import type { AddressInfo } from "node:net";

/** Errors meaning the machine has no IPv6 loopback to listen on (nothing to guard there). */
const NO_IPV6 = new Set(["EADDRNOTAVAIL", "EAFNOSUPPORT", "EPROTONOSUPPORT"]);

/**
 * Listens `server` on `host`:`port` (0 = a free port) and, when `host` is 127.0.0.1, also on `[::1]` at the port
 * bound; resolves with that port. The `[::1]` listener closes with the server. `what` names the server in the
 * warning `warn` gets when `[::1]` at that port is taken by someone else.
 */
export async function listenOnLoopback(server: NetServer, port: number, host: string, what: string, warn: (msg: string) => void): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  if (host !== "127.0.0.1") return bound;
  const v6 = createNetServer((socket) => server.emit("connection", socket));
  try {
    await new Promise<void>((resolve, reject) => {
      v6.once("error", reject);
      v6.listen({ port: bound, host: "::1", ipv6Only: true }, () => {
        v6.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (!NO_IPV6.has(code)) {
      warn(`${what}: [::1]:${bound} is held by another process (${code || (err as Error).message}): a client that resolves ` +
        `localhost to ::1 reaches it instead of the emulator; use http://127.0.0.1:${bound}, or stop what holds [::1]:${bound}`);
    }
    return bound;
  }
  server.once("close", () => v6.close());
  return bound;
}
