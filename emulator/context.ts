/**
 * The state one running emulator shares between its API routes, admin surface and handle: options, account
 * scope, store, faults, request log, the per-account import slot and export download links.
 */
import type { FaultInjector } from "./faults";
import type { AccountScope } from "./model";
import type { ResolvedOptions } from "./options";
import type { RequestLog } from "./request-log";
import type { Store } from "./store";
import type { ObsStore } from "./obs/obs-store";

/** A prepared export file served at its `code_url` without authentication (like a pre-signed OBS link). */
export interface ExportDownload {
  fileName: string;
  data: Buffer;
}

/** Everything the routes need. */
export interface EmulatorContext {
  options: ResolvedOptions;
  scope: AccountScope;
  store: Store;
  faults: FaultInjector;
  log: RequestLog;
  /** Accounts (domain ids) with an import in progress: one import at a time per account. */
  importsInProgress: Set<string>;
  downloads: Map<string, ExportDownload>;
  /** The emulator's OBS (store and endpoint URL), read by `code_type: obs`. */
  obs?: { store: ObsStore; url: string };
  /** The server's base URL (known once listening). */
  baseUrl(): string;
  /** Current time, ms. */
  now(): number;
}
