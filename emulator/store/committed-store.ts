/**
 * What the function store (store.ts) and the dependency store (dependency-store.ts) share: records by key and
 * content-addressed blobs in memory, and `commit()`, which drops the blobs no record names and then persists a
 * snapshot (when backed by a data dir), serialized so concurrent writes never interleave on disk.
 */

/** Records and blobs in memory, committed through `persist` one snapshot at a time. */
export abstract class CommittedStore<R> {
  protected readonly records = new Map<string, R>();
  protected readonly blobs = new Map<string, Buffer>();
  private chain: Promise<void> = Promise.resolve();
  private readonly commitListeners = new Set<() => void>();

  /** `persistent`: whether `persist` writes anywhere (a data dir); else a commit only drops unused blobs. */
  protected constructor(private readonly persistent: boolean) {}

  /** Every record, in the order a snapshot keeps. */
  abstract list(): R[];

  /** The digests of the blobs a record uses. */
  protected abstract digestsOf(record: R): string[];

  /** Writes one snapshot (a copy of the records and blobs at commit time). */
  protected abstract persist(records: R[], blobs: Map<string, Buffer>): Promise<void>;

  /** Stores `data` under its digest (content-addressed). */
  putBlob(digest: string, data: Buffer): void {
    this.blobs.set(digest, data);
  }

  /** The blob of a digest. */
  blob(digest: string): Buffer | undefined {
    return this.blobs.get(digest);
  }

  /** Forgets everything (and persists the empty state). */
  async clear(): Promise<void> {
    this.records.clear();
    this.blobs.clear();
    await this.commit();
  }

  /**
   * Calls `listener` at every commit, once the change is in memory and before it is persisted (every write ends
   * with a commit, so this sees each one: the function runtime stops a deleted function's instances there).
   * Returns the way to stop listening.
   */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Drops unreferenced blobs and persists the current state (serialized with other commits). */
  commit(): Promise<void> {
    for (const listener of this.commitListeners) listener();
    const live = new Set(this.list().flatMap((r) => this.digestsOf(r)));
    for (const d of [...this.blobs.keys()]) if (!live.has(d)) this.blobs.delete(d);
    if (!this.persistent) return Promise.resolve();
    const records = structuredClone(this.list());
    const blobs = new Map(this.blobs);
    const next = this.chain.then(() => this.persist(records, blobs));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending commits. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
