/**
 * Faults for the OBS endpoint, in the same SPEC grammar as the FunctionGraph API's (../http/faults.ts): `429`, `500`,
 * `503`, `reset`, `latency` and `seed` mean the same (on OBS the `429` fault answers 503 SlowDown, OBS's
 * throttling answer), and `commitDrop=OPS:N|R` names OBS writes: `put` (PUT object), `part` (upload part),
 * `complete` (complete multipart), `initiate`, `abort`, `deleteObject`, `createBucket`, or `*`.
 * Example: `reset=0.05,commitDrop=complete:1,seed=7`.
 */
import { FaultInjector, type PreFault } from "../http/faults";
import { OBS_WRITE_OPERATIONS } from "./obs-operations";

/** An OBS operation name a `commitDrop` can target (a row of obs-operations.ts with a `faultName`). */
type ObsWrite = string;

/** OBS commit-then-drop settings. */
interface CommitDrop {
  operations: ObsWrite[];
  count?: number;
  rate?: number;
}

/** The live OBS fault state: pre-faults through a `FaultInjector`, commit drops here. */
export class ObsFaults {
  private readonly pre = new FaultInjector();
  private drop: CommitDrop | undefined;
  private dropsLeft = 0;
  private spec = "";
  private random: () => number = Math.random;

  constructor(spec?: string) {
    if (spec) this.set(spec);
  }

  /** Replaces the faults (a SPEC string; empty, `none`, `off` or null for none). Throws naming a bad item. */
  set(spec: string | null): void {
    const items = (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const dropItem = items.find((i) => i.startsWith("commitDrop="));
    const rest = items.filter((i) => i !== dropItem).join(",");
    let drop: CommitDrop | undefined;
    if (dropItem) {
      const value = dropItem.slice("commitDrop=".length);
      const [opsText, n, extra] = value.split(":");
      if (!opsText || n === undefined || extra !== undefined) throw new Error(`obs faults: '${dropItem}': expected OPS:N or OPS:RATE, e.g. complete:1`);
      const names = opsText === "*" ? Object.keys(OBS_WRITE_OPERATIONS) : opsText.split("|");
      const operations = names.map((name) => {
        const op = Object.hasOwn(OBS_WRITE_OPERATIONS, name) ? OBS_WRITE_OPERATIONS[name] : undefined;
        if (!op) throw new Error(`obs faults: commitDrop: unknown operation '${name}' (use ${Object.keys(OBS_WRITE_OPERATIONS).join(", ")} or *)`);
        return op;
      });
      if (/^\d+$/.test(n)) drop = { operations, count: Number(n) };
      else if (/^(0(\.\d+)?|1(\.0+)?)$/.test(n)) drop = { operations, rate: Number(n) };
      else throw new Error(`obs faults: commitDrop: '${n}' is neither a count nor a probability`);
    }
    this.pre.set(rest);
    this.drop = drop;
    this.dropsLeft = drop?.count ?? 0;
    this.spec = items.join(",");
    const seed = this.pre.current().seed ?? 1;
    let a = seed >>> 0;
    this.random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** The current SPEC. */
  current(): string {
    return this.spec;
  }

  /** Latency and an error answer for a request about to be handled. */
  before(): PreFault {
    return this.pre.before();
  }

  /** After a write committed: whether to destroy the connection instead of answering. */
  dropAfterCommit(operation: string): boolean {
    const d = this.drop;
    if (!d || !d.operations.includes(operation)) return false;
    if (d.count !== undefined) {
      if (this.dropsLeft <= 0) return false;
      this.dropsLeft -= 1;
      return true;
    }
    return this.random() < (d.rate ?? 0);
  }
}
