/**
 * The fault gate both servers pass a request through after authenticating it (the FunctionGraph API in
 * server.ts, OBS in obs/obs-server.ts): the latency a fault drew, then its answer — a reset destroys the
 * connection, a 429/500/503 is thrown as the service's own error for it.
 */
import type { IncomingMessage } from "node:http";
import type { PreFault } from "./faults";
import { dropConnection, sleep } from "./http-io";

/** The service's errors for the fault kinds that answer. */
export interface FaultAnswers {
  "429"(): Error;
  "500"(): Error;
  "503"(): Error;
}

/**
 * Applies `pre` to `req`: records each fault applied in `applied`, waits out the latency, throws (rejects with)
 * the error a fault answers with, and resolves `"dropped"` when the connection was reset (then nothing may be
 * answered). Undefined, synchronously, when no fault applies: the caller goes on in the same tick, so a request
 * body already flowing (OBS counts its bytes) reaches the handler whole.
 */
export function passFaultGate(pre: PreFault, req: IncomingMessage, applied: string[], answers: FaultAnswers): Promise<"dropped" | undefined> | undefined {
  if (!(pre.delayMs > 0) && !pre.kind) return undefined;
  return applyFault(pre, req, applied, answers);
}

async function applyFault(pre: PreFault, req: IncomingMessage, applied: string[], answers: FaultAnswers): Promise<"dropped" | undefined> {
  if (pre.delayMs > 0) {
    applied.push("latency");
    await sleep(pre.delayMs);
  }
  if (!pre.kind) return undefined;
  applied.push(pre.kind);
  if (pre.kind === "reset") {
    dropConnection(req);
    return "dropped";
  }
  throw answers[pre.kind]();
}
