/**
 * Admission of asynchronous invocations: an accepted async call holds its event in memory until it finishes
 * (waiting for an instance of its function, then running), so without a bound a caller could queue events
 * until the emulator runs out of memory. Each function may hold at most `perFunctionCalls` calls and
 * `perFunctionBytes` of events, and all functions together `totalCalls` and `totalBytes`; a call over a bound
 * is refused with the service's throttling answer, 429 `FSS.0429` ("api is busy now"), before its event is
 * kept — the caller retries later, as it would against the service.
 */
import { ApiError } from "../http/errors";
import type { AsyncQueueLimits } from "./options";

interface Held {
  calls: number;
  bytes: number;
}

/** Counts the async calls accepted and not yet finished, per function and in total. */
export class AsyncAdmission {
  private readonly perFunction = new Map<string, Held>();
  private readonly total: Held = { calls: 0, bytes: 0 };

  constructor(private readonly limits: AsyncQueueLimits) {}

  /**
   * Admits one call of `fn` (`package/name`) whose event is `bytes` long and returns the function that releases
   * it once it finished; throws `ApiError` 429 `FSS.0429` naming the bound when the call would pass one.
   */
  admit(fn: string, bytes: number): () => void {
    const held = this.perFunction.get(fn) ?? { calls: 0, bytes: 0 };
    const l = this.limits;
    const over =
      held.calls + 1 > l.perFunctionCalls ? `function ${fn} already has ${held.calls} asynchronous invocations waiting or running (at most ${l.perFunctionCalls})`
      : held.bytes + bytes > l.perFunctionBytes ? `the events of function ${fn}'s waiting asynchronous invocations would pass ${l.perFunctionBytes} bytes`
      : this.total.calls + 1 > l.totalCalls ? `the emulator already has ${this.total.calls} asynchronous invocations waiting or running (at most ${l.totalCalls})`
      : this.total.bytes + bytes > l.totalBytes ? `the events of all waiting asynchronous invocations would pass ${l.totalBytes} bytes`
      : undefined;
    if (over) throw new ApiError(429, "FSS.0429", `api is busy now: ${over}; retry once some have finished (runtime.asyncQueue sets these bounds)`);
    held.calls++;
    held.bytes += bytes;
    this.total.calls++;
    this.total.bytes += bytes;
    this.perFunction.set(fn, held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.calls--;
      held.bytes -= bytes;
      this.total.calls--;
      this.total.bytes -= bytes;
      if (held.calls === 0) this.perFunction.delete(fn);
    };
  }

}
