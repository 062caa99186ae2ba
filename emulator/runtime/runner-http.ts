/**
 * The relay of an HTTP function's instance, run by `node` in the instance's sandbox, which has a network namespace
 * of its own (so every instance has its own `127.0.0.1:8000`, as in the service): it starts the function's `bootstrap` (the command
 * after the socket path), waits until something accepts connections on 127.0.0.1:8000, then listens on a Unix
 * socket in the instance's temp dir — the emulator's way in — and pipes each connection to port 8000. The socket
 * appearing means "ready". The relay exits with the bootstrap. Kept as a string so the runtime writes it beside
 * the other runners.
 */
export const HTTP_RELAY_FILE = "fgs-http-relay.cjs";

/** The relay's socket, in the instance's temp dir (the sandbox's `/tmp`, bound from the host's instance dir). */
export const HTTP_RELAY_SOCKET = ".fgs-http.sock";

/** The relay's source. */
export const HTTP_RELAY_SOURCE = String.raw`"use strict";
const net = require("node:net");
const { spawn } = require("node:child_process");

const [socketPath, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
child.on("error", (e) => { process.stderr.write("bootstrap could not run: " + e.message + "\n"); process.exit(127); });
child.on("exit", (code, signal) => process.exit(code === null ? 128 : code));

// The socket is bound under another name and renamed once it accepts, so that its path appearing means ready.
function serve() {
  const staging = socketPath + ".binding";
  net.createServer((client) => {
    const upstream = net.connect(8000, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  }).listen(staging, () => require("node:fs").renameSync(staging, socketPath));
}

(function probe() {
  const s = net.connect(8000, "127.0.0.1");
  s.on("connect", () => { s.destroy(); serve(); });
  s.on("error", () => setTimeout(probe, 20));
})();
`;
