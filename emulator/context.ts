/**
 * The state one running emulator shares between its API routes, admin surface and handle: options, account
 * scope, store, faults, request log, the per-account import slot and export download links.
 */
import type { BodyBudget } from "./http/body-intake";
import type { FaultInjector } from "./http/faults";
import type { AccountScope } from "./api/model";
import type { ResolvedOptions } from "./options";
import type { RequestLog } from "./http/request-log";
import type { DependencyStore } from "./store/dependency-store";
import type { Store } from "./store/store";
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
  /** Dependencies (layers) and their zips. */
  dependencies: DependencyStore;
  faults: FaultInjector;
  log: RequestLog;
  /** Accounts (domain ids) with an import in progress: one import at a time per account. */
  importsInProgress: Set<string>;
  downloads: Map<string, ExportDownload>;
  /** Request-body bytes held at once, across every request (body-intake.ts). */
  bodyBudget: BodyBudget;
  /** The emulator's OBS (store and endpoint URL), read by `code_type: obs`. */
  obs?: { store: ObsStore; url: string };
  /** The server's base URL (known once listening). */
  baseUrl(): string;
  /** Current time, ms. */
  now(): number;
}
