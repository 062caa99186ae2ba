/**
 * Function code shares the host's network, so it can connect to the emulator's own servers on loopback — the
 * FunctionGraph API, the admin surface, OBS — and, with the public development keys, replace other functions'
 * code or read their decrypted environment. When the emulator runs as root its sandboxed functions run as real
 * host users in a range of their own (runtime/sandbox-users.ts), so each server refuses (destroys at once, before
 * a byte is read) a connection whose peer socket belongs to such a user, found by its loopback 4-tuple in
 * /proc/net/tcp{,6} (runtime/process-tools.ts `loopbackPeerUid`); a loopback peer whose owner cannot be found is
 * refused too (its row is always there), while a peer on another host (an emulator listening beyond loopback:
 * `--host`) has no row on this one and is let through.
 * Not root, functions' uids exist only inside their user namespace and every socket is the emulator user's: no
 * server can tell them apart (emulator/README.md, Isolation). The APIG gateway does not use this: public invoke
 * URLs are meant to be reached; nor does the Custom runtime API, which functions must reach (it checks its own peer).
 */
import type { Server } from "node:net";
import type { Socket } from "node:net";
import { loopbackPeerUid } from "../runtime/process-tools";
import { isSandboxUid } from "../runtime/sandbox-users";

/** True when this process runs as root, i.e. when sandboxed functions have host uids a server can tell apart. */
export function sandboxPeersDistinguishable(): boolean {
  return process.geteuid?.() === 0;
}

/** True when `socket`'s peer is a sandboxed function's user (or a loopback peer whose owner cannot be found). */
export function fromSandboxedFunction(socket: Socket): boolean {
  if (!socket.remoteAddress || !socket.remotePort || !socket.localAddress || !socket.localPort) return true;
  const uid = loopbackPeerUid({ address: socket.remoteAddress, port: socket.remotePort }, { address: socket.localAddress, port: socket.localPort });
  if (uid !== undefined) return isSandboxUid(uid);
  return LOOPBACK.test(socket.remoteAddress);
}

/** 127.0.0.0/8 (also IPv4-mapped) and ::1. */
const LOOPBACK = /^(?:(?:::ffff:)?127\.\d+\.\d+\.\d+|::1)$/i;

/** Makes `server` drop every connection from a sandboxed function (only where they can be told: root). */
export function refuseSandboxedPeers(server: Server): void {
  if (!sandboxPeersDistinguishable()) return;
  server.prependListener("connection", (socket: Socket) => {
    if (fromSandboxedFunction(socket)) socket.destroy();
  });
}
