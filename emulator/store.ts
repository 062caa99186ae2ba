/**
 * The emulator's state: function records keyed by `<package>/<name>` (in creation order, which list uses) and
 * code blobs keyed by digest. Mutations happen in memory, then `commit()` persists a snapshot when a data dir
 * is configured; commits are serialized so concurrent writes never interleave on disk. A handler answers only
 * after its commit resolved, so "committed" always means durable.
 */
import { DataDir } from "./persistence";
import type { FunctionRecord } from "./records";

/** Functions and code blobs, optionally backed by a data dir. */
export class Store {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly blobs = new Map<string, Buffer>();
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly dataDir: DataDir | undefined) {}

  /** An in-memory store, or one loaded from `dir` (throws `DataDirError` when the dir is corrupt). */
  static async open(dir: string | undefined): Promise<Store> {
    const store = new Store(dir === undefined ? undefined : new DataDir(dir));
    if (store.dataDir) {
      const state = await store.dataDir.load();
      for (const f of state.functions) store.functions.set(Store.key(f.package, f.name), f);
      for (const [d, b] of state.blobs) store.blobs.set(d, b);
    }
    return store;
  }

  /** The map key of a function. */
  static key(pkg: string, name: string): string {
    return `${pkg}/${name}`;
  }

  /** The function, if present. */
  get(pkg: string, name: string): FunctionRecord | undefined {
    return this.functions.get(Store.key(pkg, name));
  }

  /** Every function in creation order. */
  list(): FunctionRecord[] {
    return [...this.functions.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Number of functions. */
  count(): number {
    return this.functions.size;
  }

  /** Stores `code` under its digest (content-addressed). */
  putBlob(digest: string, code: Buffer): void {
    this.blobs.set(digest, code);
  }

  /** The code zip for a digest. */
  blob(digest: string): Buffer | undefined {
    return this.blobs.get(digest);
  }

  /** Inserts or replaces a function record. */
  put(record: FunctionRecord): void {
    this.functions.set(Store.key(record.package, record.name), record);
  }

  /** Removes a function; true if it existed. */
  remove(pkg: string, name: string): boolean {
    return this.functions.delete(Store.key(pkg, name));
  }

  /** Forgets everything (and persists the empty state). */
  async clear(): Promise<void> {
    this.functions.clear();
    this.blobs.clear();
    await this.commit();
  }

  /** Drops unreferenced blobs and persists the current state (serialized with other commits). */
  commit(): Promise<void> {
    const live = new Set([...this.functions.values()].flatMap((f) => [f.digest, ...f.versions.map((v) => v.digest)]));
    for (const d of [...this.blobs.keys()]) if (!live.has(d)) this.blobs.delete(d);
    if (!this.dataDir) return Promise.resolve();
    const functions = structuredClone(this.list());
    const blobs = new Map(this.blobs);
    const dataDir = this.dataDir;
    const next = this.chain.then(() => dataDir.save(functions, blobs));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending commits. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
