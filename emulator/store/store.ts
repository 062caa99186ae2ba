/**
 * The emulator's state: function records keyed by `<package>/<name>` (in creation order, which list uses) and
 * code blobs keyed by digest. Mutations happen in memory, then `commit()` persists a snapshot when a data dir
 * is configured; commits are serialized so concurrent writes never interleave on disk. A handler answers only
 * after its commit resolved, so "committed" always means durable.
 */
import { CommittedStore } from "./committed-store";
import { DataDir } from "./persistence";
import type { FunctionRecord } from "./records";

/** Functions and code blobs, optionally backed by a data dir. */
export class Store extends CommittedStore<FunctionRecord> {
  private constructor(private readonly dataDir: DataDir | undefined) {
    super(dataDir !== undefined);
  }

  /** An in-memory store, or one loaded from `dir` (throws `DataDirError` when the dir is corrupt). */
  static async open(dir: string | undefined): Promise<Store> {
    const store = new Store(dir === undefined ? undefined : new DataDir(dir));
    if (store.dataDir) {
      const state = await store.dataDir.load();
      for (const f of state.functions) store.records.set(Store.key(f.package, f.name), f);
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
    return this.records.get(Store.key(pkg, name));
  }

  /** Every function in creation order. */
  list(): FunctionRecord[] {
    return [...this.records.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Number of functions. */
  count(): number {
    return this.records.size;
  }

  /** Inserts or replaces a function record. */
  put(record: FunctionRecord): void {
    this.records.set(Store.key(record.package, record.name), record);
  }

  /** Removes a function; true if it existed. */
  remove(pkg: string, name: string): boolean {
    return this.records.delete(Store.key(pkg, name));
  }

  protected digestsOf(f: FunctionRecord): string[] {
    return [f.digest, ...f.versions.map((v) => v.digest)];
  }

  protected persist(functions: FunctionRecord[], blobs: Map<string, Buffer>): Promise<void> {
    return this.dataDir!.save(functions, blobs);
  }
}
