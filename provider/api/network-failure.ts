/**
 * Classification of transport failures by their low-level code (`ECONNREFUSED`, undici's `UND_ERR_*`): whether
 * the request never left (safe to retry, even an import), was cut off, or timed out. The retry policy and the
 * `ambiguous` flag are decided from this kind.
 */
import type { NetworkFailureKind } from "./errors";

/** An attempt that got no complete response: its kind, low-level code and message. */
export type NetworkFailure = { kind: NetworkFailureKind; code?: string; detail: string };

// Arrays, not Sets: Pulumi's function serializer captures module constants by value, and a captured Set is a
// plain object whose `has` throws ("called on incompatible receiver") — in the deployed provider, every network
// failure then surfaced as that TypeError instead of being classified and retried.
/** Codes meaning no connection was made: the request never reached the server. */
const NEVER_CONNECTED: readonly string[] = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"];
/** Codes meaning an open connection broke: the request may have been received. */
const CONNECTION_LOST: readonly string[] = ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"];
/** Codes of undici's own timeouts and OS-level ones. */
const TIMED_OUT: readonly string[] = ["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"];

/** Maps a low-level failure to a kind, looking through `cause` chains. */
export function classifyNetworkFailure(err: unknown): NetworkFailure {
  const detail = err instanceof Error ? err.message : String(err);
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === "string" ? e.code : undefined;
    if (!code) continue;
    if (NEVER_CONNECTED.includes(code)) return { kind: "unreachable", code, detail };
    if (CONNECTION_LOST.includes(code)) return { kind: "reset", code, detail };
    if (TIMED_OUT.includes(code)) return { kind: "timeout", code, detail };
  }
  const code = (err as { code?: unknown })?.code;
  return { kind: "other", code: typeof code === "string" ? code : undefined, detail };
}

/** What a low-level code means, in words (keyed by code; arrays of pairs, for the serializer: see above). */
const CODE_WORDS: readonly (readonly [readonly string[], string])[] = [
  [["ECONNREFUSED"], "connection refused"],
  [["ENOTFOUND", "EAI_AGAIN"], "host name not resolved"],
  [["EHOSTUNREACH", "ENETUNREACH"], "no route to the host"],
  [["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"], "connection timed out"],
  [["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"], "connection lost"],
  [["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"], "no answer in time"],
];

/**
 * A failure in words, with its code: `connection refused (ECONNREFUSED)`, `host name not resolved (ENOTFOUND)`;
 * a code without words of its own falls back to the kind (`network other (EX)`). Used by the error's message and
 * the retry notice, so both say the same.
 */
export function describeNetworkFailure(kind: NetworkFailureKind, code?: string): string {
  const words = code === undefined ? undefined : CODE_WORDS.find(([codes]) => codes.includes(code))?.[1];
  return `${words ?? `network ${kind}`}${code ? ` (${code})` : ""}`;
}
