/**
 * Fault injection for reliability tests: random 429/500/503 answers, connection resets and added latency drawn
 * from a seeded (deterministic) PRNG, and "commit then drop" — perform a write, then destroy the connection
 * before answering, which is exactly the ambiguous failure a client must recover from by looking the function
 * up before retrying.
 *
 * SPEC format (the `--faults` flag and `setFaults("...")`): comma-separated `key=value` items, each key at most once.
 *   429=P, 500=P, 503=P, reset=P   probability in [0,1] that a request gets that answer; the four are exclusive
 *                                   (one draw decides), so their sum must be <= 1
 *   latency=P:DURATION              probability in [0,1] of delaying a request by DURATION (`250ms`, `2s`, or ms)
 *   commitDrop=OPS:N | OPS:R        OPS: `|`-separated write operations — every row of api-operations.ts
 *                                   that writes, by its name or short name (updateCode: code, updateConfig:
 *                                   config, publishVersion: version) — or `*` for all;
 *                                   an integer N (no dot) drops the next N matching writes; a decimal R with a
 *                                   dot (`0.5`, `1.0`) drops each matching write with probability R
 *   seed=INT                        PRNG seed (default 1)
 * Example: `429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.1:200ms,commitDrop=import|code:1,seed=42`.
 * An empty spec, `none` or `off` means no faults. Anything else is rejected with a message naming the item.
 * Faults apply only to API routes after authentication succeeded; never to `/__admin/`.
 */

import { FAULT_OPERATION_NAMES, WRITE_OPERATIONS } from "../api/api-operations";

/** A write operation name (a row of api-operations.ts that writes). */
export type WriteOperation = string;

/** True for the request-log operation names that change state (the commit-then-drop targets). */
export function isWriteOperation(operation: string): operation is WriteOperation {
  return WRITE_OPERATIONS.includes(operation);
}

/** Parsed fault settings; rates are probabilities in [0,1]. */
export interface FaultConfig {
  rate429?: number;
  rate500?: number;
  rate503?: number;
  rateReset?: number;
  latency?: { rate: number; ms: number };
  commitDrop?: { operations: WriteOperation[]; count?: number; rate?: number };
  seed?: number;
}

/** What the fault layer decided for one request before it reaches its handler. */
export interface PreFault {
  delayMs: number;
  kind?: "429" | "500" | "503" | "reset";
}

function parseRate(key: string, text: string): number {
  if (!/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(text)) {
    throw new Error(`faults: '${key}=${text}': expected a probability between 0 and 1`);
  }
  return Number(text);
}

function parseDuration(key: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m) throw new Error(`faults: '${key}': duration '${text}' must look like 200ms, 2s or 150`);
  return Math.round(Number(m[1]) * (m[2] === "s" ? 1000 : 1));
}

/** Parses a SPEC string strictly; throws an `Error` naming the offending item. */
export function parseFaultSpec(spec: string): FaultConfig {
  const text = spec.trim();
  if (text === "" || text === "none" || text === "off") return {};
  const config: FaultConfig = {};
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`faults: '${item}': expected key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (seen.has(key)) throw new Error(`faults: '${key}' given twice`);
    seen.add(key);
    switch (key) {
      case "429": config.rate429 = parseRate(key, value); break;
      case "500": config.rate500 = parseRate(key, value); break;
      case "503": config.rate503 = parseRate(key, value); break;
      case "reset": config.rateReset = parseRate(key, value); break;
      case "latency": {
        const [p, d, extra] = value.split(":");
        if (d === undefined || extra !== undefined) throw new Error(`faults: 'latency=${value}': expected P:DURATION, e.g. 0.1:200ms`);
        config.latency = { rate: parseRate(key, p), ms: parseDuration(key, d) };
        break;
      }
      case "commitDrop": {
        const [opsText, n, extra] = value.split(":");
        if (n === undefined || extra !== undefined || !opsText) {
          throw new Error(`faults: 'commitDrop=${value}': expected OPS:N or OPS:RATE, e.g. import|code:1`);
        }
        const operations: WriteOperation[] = [];
        for (const name of opsText === "*" ? [...WRITE_OPERATIONS] : opsText.split("|")) {
          const op = FAULT_OPERATION_NAMES[name];
          if (!op) throw new Error(`faults: commitDrop: unknown operation '${name}' (use ${Object.keys(FAULT_OPERATION_NAMES).join(", ")} or *)`);
          if (!operations.includes(op)) operations.push(op);
        }
        if (/^\d+$/.test(n)) config.commitDrop = { operations, count: Number(n) };
        else config.commitDrop = { operations, rate: parseRate(key, n) };
        break;
      }
      case "seed":
        if (!/^-?\d+$/.test(value)) throw new Error(`faults: 'seed=${value}': expected an integer`);
        config.seed = Number(value);
        break;
      default:
        throw new Error(`faults: unknown key '${key}' (known: 429, 500, 503, reset, latency, commitDrop, seed)`);
    }
  }
  return validateFaultConfig(config);
}

/** Checks a config given as an object (admin surface, `setFaults`) with the same rules as the SPEC parser. */
export function validateFaultConfig(config: FaultConfig): FaultConfig {
  const rates = [config.rate429, config.rate500, config.rate503, config.rateReset, config.latency?.rate, config.commitDrop?.rate];
  for (const r of rates) {
    if (r !== undefined && (typeof r !== "number" || !(r >= 0 && r <= 1))) throw new Error(`faults: rate ${r} is not between 0 and 1`);
  }
  const sum = (config.rate429 ?? 0) + (config.rate500 ?? 0) + (config.rate503 ?? 0) + (config.rateReset ?? 0);
  if (sum > 1 + 1e-9) throw new Error(`faults: 429+500+503+reset rates add up to ${sum}, more than 1`);
  if (config.latency && !(Number.isFinite(config.latency.ms) && config.latency.ms >= 0)) throw new Error("faults: latency ms must be >= 0");
  const cd = config.commitDrop;
  if (cd) {
    if (!Array.isArray(cd.operations) || cd.operations.some((o) => !isWriteOperation(o))) {
      throw new Error(`faults: commitDrop operations must be among ${WRITE_OPERATIONS.join(", ")}`);
    }
    if ((cd.count === undefined) === (cd.rate === undefined)) throw new Error("faults: commitDrop needs exactly one of count or rate");
    if (cd.count !== undefined && !(Number.isInteger(cd.count) && cd.count >= 0)) throw new Error("faults: commitDrop count must be an integer >= 0");
  }
  if (config.seed !== undefined && !Number.isInteger(config.seed)) throw new Error("faults: seed must be an integer");
  return config;
}

/** Renders a config back to its SPEC string (for printing and the admin surface). */
export function formatFaultSpec(c: FaultConfig): string {
  const parts: string[] = [];
  if (c.rate429 !== undefined) parts.push(`429=${c.rate429}`);
  if (c.rate500 !== undefined) parts.push(`500=${c.rate500}`);
  if (c.rate503 !== undefined) parts.push(`503=${c.rate503}`);
  if (c.rateReset !== undefined) parts.push(`reset=${c.rateReset}`);
  if (c.latency) parts.push(`latency=${c.latency.rate}:${c.latency.ms}ms`);
  if (c.commitDrop) {
    const n = c.commitDrop.count !== undefined ? String(c.commitDrop.count) : Number(c.commitDrop.rate).toFixed(3).replace(/0+$/, "").replace(/\.$/, ".0");
    parts.push(`commitDrop=${c.commitDrop.operations.join("|")}:${n}`);
  }
  if (c.seed !== undefined) parts.push(`seed=${c.seed}`);
  return parts.join(",");
}

/** mulberry32: a tiny deterministic PRNG, so a seed replays the same fault sequence. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The live fault state: the current config, its PRNG and the remaining commit-drop budget. Every decision
 * draws from the PRNG in a fixed order (latency, then one draw for the exclusive error kinds), so a given seed
 * and request sequence always yields the same faults.
 */
export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = mulberry32(1);
  private dropsLeft = 0;

  constructor(initial?: FaultConfig | string) {
    if (initial !== undefined) this.set(initial);
  }

  /** Replaces the faults (a SPEC string, a config, or null for none) and reseeds the PRNG. */
  set(spec: FaultConfig | string | null): void {
    const config = spec === null ? {} : typeof spec === "string" ? parseFaultSpec(spec) : validateFaultConfig({ ...spec });
    this.config = config;
    this.random = mulberry32(config.seed ?? 1);
    this.dropsLeft = config.commitDrop?.count ?? 0;
  }

  /** The current config (a copy). */
  current(): FaultConfig {
    return JSON.parse(JSON.stringify(this.config)) as FaultConfig;
  }

  /** Decides latency and an error answer for a request about to be handled. */
  before(): PreFault {
    const c = this.config;
    let delayMs = 0;
    if (c.latency && c.latency.rate > 0 && this.random() < c.latency.rate) delayMs = c.latency.ms;
    const kinds: Array<[PreFault["kind"], number | undefined]> = [
      ["429", c.rate429], ["500", c.rate500], ["503", c.rate503], ["reset", c.rateReset],
    ];
    if (kinds.every(([, r]) => !r)) return { delayMs };
    const u = this.random();
    let acc = 0;
    for (const [kind, rate] of kinds) {
      acc += rate ?? 0;
      if (u < acc) return { delayMs, kind };
    }
    return { delayMs };
  }

  /** After a write committed: whether to destroy the connection instead of answering. */
  dropAfterCommit(operation: string): boolean {
    const cd = this.config.commitDrop;
    if (!cd || !isWriteOperation(operation) || !cd.operations.includes(operation)) return false;
    if (cd.count !== undefined) {
      if (this.dropsLeft <= 0) return false;
      this.dropsLeft -= 1;
      return true;
    }
    return this.random() < (cd.rate ?? 0);
  }
}
