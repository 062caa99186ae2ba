/**
 * One invocation, start to end: record it, lease an instance (starting a cold one — the initializer runs once
 * per instance, up to 3 attempts), run the call under the function's timeout, frame the log the way the
 * service does, and turn what happened into an `InvocationOutcome` with the documented failure shapes.
 *
 * Failures [inferred: the service leaves them undocumented] are results, not API errors: `result` holds
 * `{errorMessage, errorType}` and `code` (→ `X-Func-Err-Code`, `status` in v1) is 500 for a thrown error, a
 * rejected promise, a callback error, a non-JSON result, a crash or a failed initializer; 408 for a timeout
 * (the instance is killed); 413 for a result over 6 MB.
 */
import { randomUUID } from "node:crypto";
import type { EmulatorContext } from "../context";
import { buildUrn } from "../api/urn";
import type { FunctionRuntime } from "./function-runtime";
import type { InvocationRecord } from "./invocation-log";
import { INVOKE_LIMITS } from "./options";
import { InstanceStartError, type CallOutcome, type InvokeRequest } from "./protocol";
import type { InvokeTarget } from "./target";

/** What a caller of `invoke` gets back. */
export interface InvocationOutcome {
  requestId: string;
  ok: boolean;
  /** The result text (the function's JSON), or the JSON of `{errorMessage, errorType}` on failure. */
  result: Buffer;
  /** 0 on success, else 500 / 408 / 413 (see the file comment). */
  code: number;
  errorType?: string;
  log: string;
  durationMs: number;
  billingMs: number;
  memoryMB: number;
  coldStart: boolean;
  record: InvocationRecord;
}

/** Attempts at starting an instance whose initializer fails (the service's 3); without one, a start fails once. */
const INIT_ATTEMPTS = 3;
/** Time to load the handler (or for a bootstrap to ask for work) when there is no initializer: 10–30 s, ms. */
const startTimeoutMs = (timeoutMs: number) => Math.min(30_000, Math.max(10_000, timeoutMs));

function errorResult(errorMessage: string, errorType: string): Buffer {
  return Buffer.from(JSON.stringify({ errorMessage, errorType }), "utf8");
}

/** Runs `event` (JSON text) on `target`; never throws for a function failure (only for emulator faults). */
export async function invoke(ctx: EmulatorContext, runtime: FunctionRuntime, target: InvokeTarget, event: string,
  opts: { kind: "sync" | "async"; requestId?: string; onStart?: (rec: InvocationRecord) => void }): Promise<InvocationOutcome> {
  const requestId = opts.requestId ?? randomUUID();
  const pool = await runtime.pool(target); // an unsupported runtime or unreadable code fails the API call here
  const rec = runtime.invocations.start({
    requestId, function: `${target.f.package}/${target.f.name}`, functionUrn: buildUrn(ctx.scope, target.f.package, target.f.name),
    version: target.version, alias: target.alias, kind: opts.kind,
  });
  opts.onStart?.(rec);
  const log = (text: string) => runtime.invocations.append(rec, text);
  const timeoutMs = target.config.timeout * 1000;
  const started = performance.now();
  let coldStart = false;
  let outcome: CallOutcome;
  log(`Start invoke request '${requestId}', version: ${target.version}\n`);
  const request: InvokeRequest = {
    requestId, event, deadline: Date.now() + timeoutMs, alias: target.alias, credentials: {}, invokeType: opts.kind,
  };
  try {
    let lease = await pool.acquire();
    const hasInitializer = !!target.config.initializer_handler;
    const attempts = hasInitializer ? INIT_ATTEMPTS : 1;
    for (let attempt = 1; lease.cold; attempt++) {
      coldStart = true;
      const notice = pool.takeNotice(); // which interpreter version the runtime runs on, when not its own
      if (notice !== undefined) log(`${notice}\n`);
      const initMs = hasInitializer ? ((target.config.initializer_timeout as number | undefined) || 3) * 1000 : startTimeoutMs(timeoutMs);
      try {
        await lease.instance.start({ ...request, deadline: Date.now() + initMs }, initMs, log);
        pool.started(lease.instance);
        break;
      } catch (err) {
        const e = err instanceof InstanceStartError ? err : new InstanceStartError(String(err), "RuntimeStartError");
        log(`instance start failed (attempt ${attempt} of ${attempts}): ${e.errorType}: ${e.message}\n`);
        pool.release(lease.instance, Date.now());
        if (attempt >= attempts) throw e;
        lease = await pool.acquire();
      }
    }
    request.deadline = Date.now() + timeoutMs;
    const callStart = performance.now();
    outcome = await lease.instance.call(request, timeoutMs, log);
    // An instance the emulator stopped (its function or version deleted) ends the call with that reason.
    const stoppedBecause = pool.stopReason(lease.instance);
    if (outcome.kind === "crash" && stoppedBecause !== undefined) {
      outcome = { ...outcome, errorMessage: `${stoppedBecause} during the call: its instance was stopped` };
    }
    pool.release(lease.instance, Date.now());
    return finish(callStart);
  } catch (err) {
    const e = err instanceof InstanceStartError ? err : new InstanceStartError((err as Error).message, "RuntimeError");
    outcome = { kind: "error", errorMessage: `the function instance could not start: ${e.message}`, errorType: e.errorType, memoryMB: 0 };
    return finish(started);
  }

  function finish(callStart: number): InvocationOutcome {
    const durationMs = Math.max(0, performance.now() - callStart);
    const billingMs = Math.max(1, Math.ceil(durationMs));
    let ok = false;
    let result: Buffer;
    let code = 500;
    let errorType: string | undefined;
    switch (outcome.kind) {
      case "ok":
        if (outcome.result.length > INVOKE_LIMITS.syncPayloadBytes) {
          code = 413;
          errorType = "ResponseTooLarge";
          result = errorResult(`the function's result is ${outcome.result.length} bytes, more than the ${INVOKE_LIMITS.syncPayloadBytes} allowed (FSS.1201)`, errorType);
        } else {
          ok = true;
          code = 0;
          result = outcome.result;
        }
        break;
      case "error":
        errorType = outcome.errorType;
        result = errorResult(outcome.errorMessage, outcome.errorType);
        break;
      case "timeout":
        code = 408;
        errorType = "FunctionTimeout";
        result = errorResult(`the invocation timed out after ${target.config.timeout} s and its instance was stopped (FSS.0408)`, errorType);
        break;
      case "crash":
        errorType = "RuntimeExitError";
        result = errorResult(outcome.errorMessage, errorType);
        break;
    }
    const memoryMB = outcome.memoryMB;
    if (!ok) log(`${result.toString("utf8")}\n`);
    log(`Finish invoke request '${requestId}', duration: ${durationMs.toFixed(3)}ms, billing duration: ${billingMs}ms, ` +
      `memory used: ${memoryMB.toFixed(3)}MB, billing memory: ${target.config.memory_size}MB\n`);
    runtime.invocations.finish(rec, {
      status: ok ? "succeeded" : code === 408 ? "timeout" : "failed", durationMs, memoryMB, coldStart,
      ...(ok ? { result: result.toString("utf8") } : { error: { ...(JSON.parse(result.toString("utf8")) as { errorMessage: string; errorType: string }), code } }),
    });
    return { requestId, ok, result, code, errorType, log: rec.log, durationMs, billingMs, memoryMB, coldStart, record: rec };
  }
}
