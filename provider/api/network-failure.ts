/**
 * Classification of transport failures by their low-level code (`ECONNREFUSED`, undici's `UND_ERR_*`): whether
 * the request never left (safe to retry, even an import), was cut off, or timed out. The retry policy and the
 * `ambiguous` flag are decided from this kind.
 */
import type { NetworkFailureKind } from "./errors";

/** An attempt that got no complete response: its kind, low-level code and message. */
export type NetworkFailure = { kind: NetworkFailureKind; code?: string; detail: string };

/** Codes meaning no connection was made: the request never reached the server. */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"]);
/** Codes meaning an open connection broke: the request may have been received. */
const CONNECTION_LOST = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]);
/** Codes of undici's own timeouts and OS-level ones. */
const TIMED_OUT = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** Maps a low-level failure to a kind, looking through `cause` chains. */
export function classifyNetworkFailure(err: unknown): NetworkFailure {
  const detail = err instanceof Error ? err.message : String(err);
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === "string" ? e.code : undefined;
    if (!code) continue;
    if (NEVER_CONNECTED.has(code)) return { kind: "unreachable", code, detail };
    if (CONNECTION_LOST.has(code)) return { kind: "reset", code, detail };
    if (TIMED_OUT.has(code)) return { kind: "timeout", code, detail };
  }
  const code = (err as { code?: unknown })?.code;
  return { kind: "other", code: typeof code === "string" ? code : undefined, detail };
}
