/**
 * The one error family of the provider, the harness and `fgs` (after undici's `lib/core/errors.js`): a base class
 * with a stable `code` string (one per class, `FGS_…`; PackagingError keeps its per-reason codes), `retryable` and
 * `ambiguous` as fields. Code tells errors apart by `code` only, never by `instanceof` or `name`: a class
 * captured by Pulumi's function serializer is re-created as plain functions, and an error from another copy of
 * this module is no instance of this one. README.md's "Errors" table lists every code a user can see.
 */

/**
 * Sets `message` explicitly after `super()`: a class captured by Pulumi's function serializer is re-created
 * as plain functions, and there `super(message)` on `Error` does not set `this.message`.
 */
function keepMessage(err: Error, message: string): void {
  if (err.message !== message) Object.defineProperty(err, "message", { value: message, writable: true, configurable: true });
}

/** What an {@link FgsError} may say beyond its code and message. */
export interface FgsErrorOptions {
  /** The same run may succeed later (throttling, a transient server or network failure). */
  retryable?: boolean;
  /** A state-changing request may have reached the server and its outcome is unknown. */
  ambiguous?: boolean;
  /** The error this one explains. */
  cause?: unknown;
}

/** The base of every error this package throws on purpose; `code` is stable across releases. */
export class FgsError extends Error {
  /** Machine-readable kind, e.g. `FGS_SERVICE`; branch on it (see {@link hasCode}). */
  readonly code: string;
  /** Whether trying the same thing again later may succeed. */
  readonly retryable: boolean;
  /** Whether a state-changing request may have been applied although it failed. */
  readonly ambiguous: boolean;

  constructor(code: string, message: string, options: FgsErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    keepMessage(this, message);
    this.name = "FgsError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.ambiguous = options.ambiguous ?? false;
  }
}

/**
 * A function of this package called with an argument it cannot take (`packageSource` options, a client's
 * endpoint): a mistake in the calling code, named in the message (after undici's `InvalidArgumentError`).
 */
export class InvalidArgumentError extends FgsError {
  constructor(message: string) {
    super("FGS_INVALID_ARGUMENT", message);
    this.name = "InvalidArgumentError";
  }
}

/** The stable code of an error (any object with a string `code`), or undefined. */
export function codeOf(err: unknown): string | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/**
 * Whether `err` carries one of `codes` (works on serialized copies and other module copies, unlike `instanceof`).
 * `E` names the class those codes belong to, e.g. `hasCode<UsageError>(e, "FGS_USAGE")`.
 */
export function hasCode<E extends object = FgsError>(err: unknown, ...codes: string[]): err is E {
  const code = codeOf(err);
  return code !== undefined && codes.includes(code);
}

/** Whether an error says a write may or may not have been applied (its `ambiguous` field). */
export function isAmbiguousFailure(err: unknown): boolean {
  return codeOf(err) !== undefined && (err as { ambiguous?: unknown }).ambiguous === true;
}
