/**
 * Taking a request body in with bounded memory: each route has a cap (the Base64 JSON of its largest payload,
 * 1 MiB for the small JSON routes), a declared `Content-Length` over the cap is refused from the headers alone
 * (the body is never read: the connection is closed after the answer), and the bytes held at once across all
 * concurrent requests stay under a shared budget — a request that would go over it gets 429 FSS.0429 (the
 * client retries) instead of memory. Callers authenticate from the headers first (gateway-auth.ts
 * `preAuthenticate`), so a stranger cannot make the emulator buffer anything.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Errors, type ApiError } from "./errors";
import { declaredLength, readBody, type BodyObserver } from "./http-io";
import type { EmulatorLimits } from "../options";

/** Bytes reserved by the requests in flight, against a fixed capacity. */
export class BodyBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  /** Reserves `bytes`; undefined when that would go over the capacity. The returned function releases them (once). */
  tryReserve(bytes: number): (() => void) | undefined {
    if (bytes > 0 && this.used + bytes > this.capacity) return undefined;
    this.used += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
    };
  }

  /** Bytes reserved now (for tests). */
  inUse(): number {
    return this.used;
  }
}

/** The largest body of a route that carries `payloadBytes` of binary data as Base64 in JSON (`\/` may double it). */
function base64JsonCap(payloadBytes: number): number {
  return Math.ceil((payloadBytes * 4) / 3) * 2 + 1024 * 1024;
}

/** Cap of the small JSON routes (config, publish…): the largest config is a few KB. */
export const SMALL_BODY_CAP = 1024 * 1024;

/** The body cap of an API operation. */
export function bodyCapFor(operation: string, limits: EmulatorLimits): number {
  if (operation === "updateCode") return base64JsonCap(limits.codeUploadBytes);
  if (operation === "import") return base64JsonCap(limits.importPackageBytes);
  return SMALL_BODY_CAP;
}

/** The shared budget's capacity: `limits.bodyBudgetBytes`, or (0 = auto) twice the largest route cap. */
export function budgetCapacity(limits: EmulatorLimits): number {
  return limits.bodyBudgetBytes > 0 ? limits.bodyBudgetBytes : 2 * Math.max(bodyCapFor("updateCode", limits), bodyCapFor("import", limits));
}

/** A body taken in, and the release of its share of the budget (call when the request is answered). */
export interface AdmittedBody {
  body: Buffer;
  /** SHA-256 of `body`, hex (computed while it arrived). */
  sha256: string;
  release: () => void;
}

/**
 * Reads the body within `cap` and the budget. Throws (before reading) `tooLarge(declared)` when the declared
 * length is over the cap — marking the response `Connection: close` so the unread body is not drained — and
 * 429 FSS.0429 when the budget is full; after reading, `tooLarge` when a chunked body went over the cap.
 */
export async function admitBody(
  req: IncomingMessage, res: ServerResponse, cap: number, budget: BodyBudget, tooLarge: (bytes: number) => ApiError,
  observer?: BodyObserver,
): Promise<AdmittedBody> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > cap) {
    res.setHeader("Connection", "close");
    throw tooLarge(declared);
  }
  // Without Content-Length a body is chunked (reserve the cap) or absent (HTTP/1.1: no Transfer-Encoding, no body).
  const expected = declared ?? (req.headers["transfer-encoding"] !== undefined ? cap : 0);
  const release = budget.tryReserve(expected);
  if (!release) {
    if (expected > SMALL_BODY_CAP) res.setHeader("Connection", "close");
    throw Errors.busy();
  }
  try {
    const { body, sha256, overflow } = await readBody(req, cap, observer);
    if (overflow) throw tooLarge(cap + 1);
    return { body, sha256, release };
  } catch (err) {
    release();
    throw err;
  }
}
