/**
 * Keeps web pages out of the admin surface (`/__admin/`, no credentials: it can reset everything). A page in
 * the user's browser can send "simple" cross-origin requests (a `text/plain` POST needs no CORS preflight) and,
 * through DNS rebinding, even same-origin ones to a name it controls. So every admin request must:
 *   - come from a loopback address (checked by the caller);
 *   - carry no `Origin` header and no cross-site `Sec-Fetch-Site` (browsers add them; the CLI, curl and SDKs do not);
 *   - name a loopback host in `Host` (`127.x.x.x`, `[::1]`, `localhost`), which a rebinding page cannot;
 *   - for anything but GET/HEAD, carry the custom header `X-Fgs-Admin: 1` — a header a page can only add after a
 *     CORS preflight, which the emulator never approves.
 * Refusals are 403 `ADMIN.0403` with the rule that was broken.
 */
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors";

/** The header (and value) a state-changing admin request must carry. */
export const ADMIN_HEADER = "X-Fgs-Admin";
export const ADMIN_HEADER_VALUE = "1";

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|\[::1\]|\[::ffff:127(\.\d{1,3}){3}\]|localhost)(:\d{1,5})?$/i;

function refuse(why: string): ApiError {
  return new ApiError(403, "ADMIN.0403", `admin request refused: ${why}`);
}

/** Throws 403 ADMIN.0403 unless the request meets every rule in the module doc. */
export function checkAdminRequest(req: IncomingMessage): void {
  const h = req.headers;
  if (h.origin !== undefined) throw refuse("cross-origin requests (with an Origin header) are not accepted; use the fgs CLI, curl or the in-process handle");
  const site = h["sec-fetch-site"];
  if (site !== undefined && site !== "none" && site !== "same-origin") throw refuse(`Sec-Fetch-Site '${String(site)}' is not accepted`);
  const host = h.host ?? "";
  if (!LOOPBACK_HOST.test(host)) throw refuse(`Host '${host}' is not a loopback address or localhost`);
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD" && h[ADMIN_HEADER.toLowerCase()] !== ADMIN_HEADER_VALUE) {
    throw refuse(`${method} needs the header '${ADMIN_HEADER}: ${ADMIN_HEADER_VALUE}'`);
  }
}
