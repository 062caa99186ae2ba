/**
 * Guards the admin surface (`/__admin/`, which can list every function with its settings, replace code and
 * reset everything) from everything but the emulator's own user:
 *   - it answers loopback clients only (checked by the caller);
 *   - every request — reads included — must carry this run's admin token in `X-Fgs-Admin: <token>`. The token is
 *     random per run (or chosen with `adminToken` / `FGS_EMULATOR_ADMIN_TOKEN`) and known only to whoever started
 *     the emulator: function code on the same machine reaches the port but not the token (the sandbox shows it no
 *     other process's environment or memory);
 *   - web pages are kept out as well: no `Origin` header, no cross-site `Sec-Fetch-Site` (browsers add them; the
 *     CLI, curl and SDKs do not), a loopback `Host` (`127.x.x.x`, `[::1]`, `localhost`) that a DNS-rebinding page
 *     cannot name — and the token header is a custom one, which a page could only send after a CORS preflight
 *     the emulator never approves.
 * Refusals are 403 `ADMIN.0403` with the rule that was broken.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ApiError } from "../http/errors";

/** The header carrying the admin token on every admin request. */
export const ADMIN_HEADER = "X-Fgs-Admin";
/** The environment variable `fgs emulator` takes a chosen token from, and `fgs logs` reads it from. */
export const ADMIN_TOKEN_ENV = "FGS_EMULATOR_ADMIN_TOKEN";

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|\[::1\]|\[::ffff:127(\.\d{1,3}){3}\]|localhost)(:\d{1,5})?$/i;

/** An admin surface error: HTTP `status` with the code `ADMIN.0<status>` (both admin route tables use it). */
export function adminError(status: number, msg: string): ApiError {
  return new ApiError(status, `ADMIN.0${status}`, msg);
}

function refuse(why: string): ApiError {
  return adminError(403, `admin request refused: ${why}`);
}

/** A fresh random admin token (192 bits, URL-safe). */
export function newAdminToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Checks a chosen admin token: at least 16 characters, printable, no spaces (it travels in a header). */
export function validateAdminToken(token: string): string {
  if (!/^[\x21-\x7e]{16,256}$/.test(token)) {
    throw new Error("emulator: adminToken must be 16 to 256 printable characters without spaces (e.g. `openssl rand -hex 24`)");
  }
  return token;
}

/** True when `given` equals `token` (constant time). */
function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(token, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws 403 ADMIN.0403 unless the request meets every rule in the module doc. */
export function checkAdminRequest(req: IncomingMessage, token: string): void {
  const h = req.headers;
  if (h.origin !== undefined) throw refuse("cross-origin requests (with an Origin header) are not accepted; use the fgs CLI, curl or the in-process handle");
  const site = h["sec-fetch-site"];
  if (site !== undefined && site !== "none" && site !== "same-origin") throw refuse(`Sec-Fetch-Site '${String(site)}' is not accepted`);
  const host = h.host ?? "";
  if (!LOOPBACK_HOST.test(host)) throw refuse(`Host '${host}' is not a loopback address or localhost`);
  if (!sameToken(h[ADMIN_HEADER.toLowerCase()], token)) {
    throw refuse(`every admin request needs the header '${ADMIN_HEADER}: <admin token>' with this run's token ` +
      `(printed by 'fgs emulator' as ${ADMIN_TOKEN_ENV}; emu.adminToken in-process)`);
  }
}

/** True for 127.0.0.0/8 and ::1 (also as IPv4-mapped): the only clients the admin surface answers. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, "");
  return a === "::1" || /^127\./.test(a);
}
