/**
 * The request log: one entry per API request (admin and download routes are not logged), so tests and users
 * can see exactly which calls a client made — e.g. count write calls — and which faults hit them.
 */
import { isWriteOperation } from "./faults";

/** One logged API request. `status` is 0 when the connection was destroyed instead of answered. */
export interface RequestLogEntry {
  seq: number;
  time: string;
  requestId: string;
  method: string;
  path: string;
  query: string;
  operation: string;
  status: number;
  /** `aksk`, `aksk-temporary`, `token`, or `none` when authentication failed or was not reached. */
  authKind: string;
  accessKey?: string;
  errorCode?: string;
  /** Faults applied, `+`-joined: `latency`, `429`, `500`, `503`, `reset`, `commitDrop`. */
  fault?: string;
  /** For `commitDrop`: the status the committed write would have answered. */
  committedStatus?: number;
  durationMs: number;
}

/** A filter for `requests()`: every given field must match. */
export interface RequestLogFilter {
  operation?: string;
  method?: string;
  status?: number;
  /** Only writes (the rows of the API route table that write, api/api-operations.ts). */
  writesOnly?: boolean;
}

/** An append-only in-memory log (bounded so a long-running emulator does not grow without limit). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly max = 10000) {}

  /** Appends an entry, assigning its sequence number. */
  add(entry: Omit<RequestLogEntry, "seq">): RequestLogEntry {
    const full = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
    return full;
  }

  /** Entries matching the filter, oldest first (copies). */
  list(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.entries
      .filter((e) => (filter.operation === undefined || e.operation === filter.operation) &&
        (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
        (filter.status === undefined || e.status === filter.status) &&
        (!filter.writesOnly || isWriteOperation(e.operation)))
      .map((e) => ({ ...e }));
  }

  /** Empties the log. */
  clear(): void {
    this.entries = [];
  }
}
