/**
 * The line protocol between the emulator and a Node.js/Python runner process: one JSON object per line, requests
 * on the child's stdin, answers and log lines on its fd 3. Shared shapes of an instance's work items and
 * outcomes, used by every instance kind.
 */
import { parseJsonObject } from "../http/json-object";

/** What a call hands to the code: the event (JSON text), its id, deadline and the per-call context data. */
export interface InvokeRequest {
  requestId: string;
  /** The event as JSON text (already validated). */
  event: string;
  /** Epoch ms at which the call times out (for `getRemainingTimeInMilliSeconds`). */
  deadline: number;
  /** The alias the call came through, if any. */
  alias?: string;
  /** Temporary credentials of the function's agency (empty: the emulator has no agencies). */
  credentials?: { accessKey?: string; secretKey?: string; securityToken?: string; token?: string };
  /** `X-CFF-Invoke-Type` for the custom runtime (`sync` or `async`). */
  invokeType: "sync" | "async";
}

/** A message from a runner on fd 3. */
export type RunnerMessage =
  /** `requestId`: the call that wrote it (runners tag what each call writes, so concurrent calls keep their own logs). */
  | { type: "log"; stream: "stdout" | "stderr"; data: string; requestId?: string }
  | { type: "ready"; memoryMB?: number }
  | { type: "init-error"; errorMessage: string; errorType: string }
  | ({ type: "result"; requestId: string; memoryMB?: number } & ({ ok: true; result: string } | { ok: false; errorMessage: string; errorType: string }));

/**
 * Longest line a runner may write on fd 3: a 6 MB result as a JSON string (escapes can make it a few times its
 * size) with room to spare. A longer line stops the instance (function code can write there too).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The message on one line of a runner's fd 3, or undefined when the line is not a well-formed message (then it is
 * plain output). Function code can write to fd 3 itself: nothing it writes there may throw in the emulator.
 */
export function parseRunnerMessage(line: string): RunnerMessage | undefined {
  const o = parseJsonObject(line);
  if (!o) return undefined;
  const str = (k: string) => typeof o[k] === "string";
  const optNum = (k: string) => o[k] === undefined || typeof o[k] === "number";
  switch (o.type) {
    case "log":
      return str("data") && (o.requestId === undefined || str("requestId")) ? (o as RunnerMessage) : undefined;
    case "ready":
      return optNum("memoryMB") ? (o as RunnerMessage) : undefined;
    case "init-error":
      return str("errorMessage") && str("errorType") ? (o as RunnerMessage) : undefined;
    case "result":
      if (!str("requestId") || !optNum("memoryMB")) return undefined;
      if (o.ok === true) return str("result") ? (o as RunnerMessage) : undefined;
      return o.ok === false && str("errorMessage") && str("errorType") ? (o as RunnerMessage) : undefined;
    default:
      return undefined;
  }
}

/** How one call ended inside an instance. */
export type CallOutcome =
  | { kind: "ok"; result: Buffer; memoryMB: number }
  | { kind: "error"; errorMessage: string; errorType: string; memoryMB: number }
  | { kind: "timeout"; memoryMB: number }
  | { kind: "crash"; errorMessage: string; memoryMB: number };

/** The error a failed initializer (or a process that never became ready) reports. */
export class InstanceStartError extends Error {
  constructor(message: string, readonly errorType: string) {
    super(message);
    this.name = "InstanceStartError";
  }
}
