/**
 * When and how long to wait before another attempt. Pure functions: the client owns the loop, tests drive these
 * directly. Policy (../shared/docs/functiongraph-api.md, "Throttling and retries"): 429 and 500/502/503/504 and
 * network failures are retried with exponential backoff and full jitter; other 4xx never. A request that is not
 * idempotent is retried only when it certainly never took effect: never connected (refused, DNS), or 429. A
 * request that never connected is retried only briefly (`retryCap`): an endpoint nobody listens on stays so, and
 * a preview must say so within seconds instead of minutes of backoff.
 */
import type { NetworkFailureKind } from "./errors";

/** Statuses worth another attempt (throttling and transient server errors). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Default retries after the first attempt, unless `HW_MAX_RETRIES` says otherwise. */
export const DEFAULT_MAX_RETRIES = 5;

/** Default first backoff step in ms (Huawei advises waiting seconds after throttling). */
export const DEFAULT_RETRY_BASE_DELAY_MS = 1000;

/** Longest single backoff in ms. */
export const MAX_RETRY_DELAY_MS = 30_000;

/** Retries, at most, after an attempt that never connected (refused, DNS failure, no route). */
export const UNREACHABLE_MAX_RETRIES = 2;

/** First backoff step, at most, after an attempt that never connected (ms): the waits total under 1.5 s. */
export const UNREACHABLE_BASE_DELAY_MS = 500;

/**
 * The tighter limits a failure brings to the retry loop (none for answers of the service, 429/5xx, and for
 * connections lost or timed out): a request that never connected is retried `UNREACHABLE_MAX_RETRIES` times with
 * backoff from `UNREACHABLE_BASE_DELAY_MS`, so an endpoint that is down fails the run in seconds.
 */
export function retryCap(failure: { status?: number; network?: NetworkFailureKind }): { maxRetries?: number; baseDelayMs?: number } {
  return failure.network === "unreachable" ? { maxRetries: UNREACHABLE_MAX_RETRIES, baseDelayMs: UNREACHABLE_BASE_DELAY_MS } : {};
}

/** Full-jitter exponential backoff: uniform in [0, min(cap, base·2^retry)). `retry` counts from 0. */
export function backoffDelay(retry: number, baseMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** retry));
}

/** Whether a failed attempt is retryable, given the failure and whether the request is idempotent. */
export function shouldRetry(failure: { status?: number; network?: NetworkFailureKind }, idempotent: boolean): boolean {
  if (failure.status !== undefined) {
    if (!RETRYABLE_STATUSES.has(failure.status)) return false;
    return idempotent || failure.status === 429;
  }
  if (failure.network === undefined) return false;
  return idempotent || failure.network === "unreachable";
}

/**
 * Whether a request is ambiguous: from one failed attempt (its status or network failure) and whether the request
 * changes state, decides if it may have been applied (asking an error instead: `isAmbiguousFailure` in ../errors).
 */
export function isAmbiguousRequest(failure: { status?: number; network?: NetworkFailureKind }, mutating: boolean): boolean {
  if (!mutating) return false;
  if (failure.status !== undefined) return failure.status >= 500;
  return failure.network !== undefined && failure.network !== "unreachable";
}

/** Retries from `HW_MAX_RETRIES` (a non-negative integer) or the default; read at call time, not module load. */
export function maxRetriesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return nonNegativeInt(env.HW_MAX_RETRIES, DEFAULT_MAX_RETRIES);
}

/**
 * First backoff step from `HW_RETRY_BASE_DELAY_MS` (a non-negative integer, ms) or the default (1000 ms). Meant
 * for tests and the emulator (e.g. `HW_RETRY_BASE_DELAY_MS=20`); read at call time, not module load.
 */
export function retryBaseDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return nonNegativeInt(env.HW_RETRY_BASE_DELAY_MS, DEFAULT_RETRY_BASE_DELAY_MS);
}

/** `raw` as a non-negative integer (surrounding blanks allowed), else `fallback`. */
function nonNegativeInt(raw: string | undefined, fallback: number): number {
  const text = raw?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : fallback;
}
