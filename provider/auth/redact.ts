/**
 * Keeps credentials out of messages and log lines: header maps get their auth headers masked, and free text
 * (a server error message, a low-level error) gets every occurrence of a credential value masked.
 */
import type { Credentials } from "./resolve-target";

/** The mask that replaces a credential. */
export const REDACTED = "[REDACTED]";

const SENSITIVE_HEADERS = new Set(["authorization", "x-auth-token", "x-security-token"]);

/** A copy of `headers` safe to log: Authorization, X-Auth-Token and X-Security-Token masked. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SENSITIVE_HEADERS.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

/**
 * `text` with every whole occurrence of each value replaced by `mask`: an occurrence glued to letters or digits
 * on either side is part of another word and left alone (a 1-character secret must not blank out every "a").
 */
export function maskValues(text: string, values: readonly (string | undefined)[], mask: string): string {
  let out = text;
  for (const v of [...new Set(values)].filter((x): x is string => Boolean(x)).sort((a, b) => b.length - a.length)) {
    const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const before = /^\w/.test(v) ? "(?<![A-Za-z0-9_])" : "";
    const after = /\w$/.test(v) ? "(?![A-Za-z0-9_])" : "";
    out = out.replace(new RegExp(before + escaped + after, "g"), mask);
  }
  return out;
}

/** `text` with every credential value (AK, SK, security token, auth token) and any signature masked. */
export function redactSecrets(text: string, credentials: Credentials): string {
  const secrets = credentials.kind === "aksk"
    ? [credentials.accessKey, credentials.secretKey, credentials.securityToken]
    : [credentials.authToken];
  return maskValues(text.replace(/Signature=[0-9a-fA-F]+/g, `Signature=${REDACTED}`), secrets, REDACTED);
}
