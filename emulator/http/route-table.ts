/**
 * The shape every emulated service declares its routes in (moto's `urls.py`): one table of typed operations,
 * each row a method, a path pattern, the operation's name (what the request log shows), whether it writes, and
 * its handler. The server matches a request against its service's table once; the fault write-set, the request
 * log's operation names and the admin index are read off the same rows, so no list repeats them.
 */

/** One operation of a service. */
export interface Operation<H> {
  /** HTTP method. */
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * The path's segments after the service's prefix, `/`-separated: literals, `{name}` (one non-empty segment)
   * or `{name?}` (one segment, which may be empty). A literal outranks a parameter at the same place.
   */
  path: string;
  /** The operation name the request log, the fault SPEC and the admin index use. */
  name: string;
  /** True when the operation changes state (a write: `requests({ writesOnly })`, commit-then-drop targets). */
  writes: boolean;
  /** Further condition on the query and headers (OBS sub-resources); rows are tried in table order. */
  when?: (query: URLSearchParams, headers: Record<string, string | string[] | undefined>) => boolean;
  handler: H;
}

/** A matched row with the values of its path parameters. */
export interface OperationMatch<H> {
  operation: Operation<H>;
  params: Record<string, string>;
}

type Part = { literal: string } | { param: string; empty: boolean };

function parsePattern(path: string): Part[] {
  if (path === "") return [];
  return path.split("/").map((s) => {
    const m = /^\{(\w+)(\??)\}$/.exec(s);
    return m ? { param: m[1], empty: m[2] === "?" } : { literal: s };
  });
}

/** A service's operations, compiled for matching. */
export class RouteTable<H> {
  /** The rows by method and segment count (`GET 3`), in table order: a request looks only at its own. */
  private readonly byShape = new Map<string, Array<{ operation: Operation<H>; parts: Part[] }>>();

  constructor(readonly operations: readonly Operation<H>[]) {
    for (const operation of operations) {
      const parts = parsePattern(operation.path);
      const shape = `${operation.method} ${parts.length}`;
      const rows = this.byShape.get(shape) ?? [];
      rows.push({ operation, parts });
      this.byShape.set(shape, rows);
    }
  }

  /**
   * The operation serving `method` on these decoded segments: among the rows whose method, pattern and
   * condition match, the one with a literal where the others have a parameter (first difference decides), else
   * the first in table order. Undefined for an unknown route.
   */
  match(method: string, segments: readonly string[], query = new URLSearchParams(), headers: Record<string, string | string[] | undefined> = {}): OperationMatch<H> | undefined {
    let best: { operation: Operation<H>; parts: Part[]; params: Record<string, string> } | undefined;
    for (const row of this.byShape.get(`${method} ${segments.length}`) ?? []) {
      const params: Record<string, string> = {};
      const fits = row.parts.every((p, i) => {
        if ("literal" in p) return p.literal === segments[i];
        if (segments[i] === "" && !p.empty) return false;
        params[p.param] = segments[i];
        return true;
      });
      if (!fits || (row.operation.when && !row.operation.when(query, headers))) continue;
      if (!best || moreSpecific(row.parts, best.parts)) best = { ...row, params };
    }
    return best && { operation: best.operation, params: best.params };
  }

  /** The names of the operations that write, in table order. */
  writeNames(): string[] {
    return this.operations.filter((o) => o.writes).map((o) => o.name);
  }
}

function moreSpecific(a: Part[], b: Part[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const la = "literal" in a[i];
    const lb = "literal" in b[i];
    if (la !== lb) return la;
  }
  return false;
}
