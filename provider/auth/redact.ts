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

/** `text` with every credential value (AK, SK, security token, auth token) and any signature masked. */
export function redactSecrets(text: string, credentials: Credentials): string {
  const secrets = credentials.kind === "aksk"
    ? [credentials.accessKey, credentials.secretKey, credentials.securityToken]
    : [credentials.authToken];
  let out = text.replace(/Signature=[0-9a-fA-F]+/g, `Signature=${REDACTED}`);
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}
