/**
 * Checking a code zip's entries while its bytes are still arriving. A zip written in one pass with its sizes in
 * the local headers (ours, Info-ZIP's to a file) can be walked header by header from the start: each entry's
 * data is checked (the same bytes as in the last walked upload, else verify.ts `checkData`: the memo of
 * verified entries, else inflate + size + CRC-32) as soon as it is complete, on the verification worker that
 * decodes and hashes the upload, while the transfer goes on. Once the central directory has arrived, `verifyZip` skips the entries it names with the same data
 * offset and fields, and checks everything else as usual.
 *
 * The walk never decides anything: it stops at anything unusual (data descriptors, zip64 sizes, encryption,
 * bytes that are not a local header) and leaves the rest to the ordinary verification; a failed check just
 * leaves that entry to it, which then reports it. It inflates nothing the archive limits would refuse (an
 * entry over the size or ratio limit, or past the total), so a zip bomb still costs nothing before the central
 * directory is checked.
 */
import { entryOverLimits, type ArchiveLimits } from "./limits";
import { CENTRAL, EOCD, LOCAL, LOCAL_HEADER, localDataStart, WHOLE_ENTRY_MAX, type EntryFields } from "./reader";
import { checkData, sameFields, type VerifiedEntries, type WalkedEntries } from "./verify";

/** General-purpose flags the walk cannot follow: encrypted (bit 0), sizes after the data (bit 3). */
const UNWALKABLE_FLAGS = 0x0001 | 0x0008;

/** A completed walk, kept to compare the next upload with: its zip, and each checked entry with its local header. */
export interface WalkIndex {
  readonly zip: Buffer;
  /** Offsets of the local headers of the entries the walk checked, in zip order. */
  readonly headers: readonly number[];
  /** The fields each was checked against, by the offset of its data (`LocalEntryWalk.walked`). */
  readonly walked: WalkedEntries;
}

/**
 * Walks one zip as it arrives; `walked` is meaningful once `complete`. An entry with the same fields and bytes
 * as one checked in `previous` (the last upload walked, usually the same function's) is checked by comparing
 * the bytes, which costs far less than the memo's SHA-256. The candidate is found by position (an edited tree
 * keeps its order, so the entry after the last match usually has the same name), else by name; names are
 * compared as bytes and turned into strings only for that fallback.
 */
export class LocalEntryWalk {
  private pos = 0;
  private stopped = false;
  private inflated = 0;
  private readonly headers: number[] = [];
  /** Index in `previous.headers` of the next positional candidate. */
  private cursor = 0;
  /** `previous`'s entries by name (latin1), built on the first name the position does not give. */
  private previousByName?: Map<string, number>;
  /** True once the walk reached the central directory with every entry before it walked. */
  complete = false;
  readonly walked = new Map<number, EntryFields>() satisfies WalkedEntries;

  constructor(private readonly verified: VerifiedEntries, private readonly limits: ArchiveLimits, private readonly previous?: WalkIndex) {}

  /** What the next upload's walk compares with (once `complete`). */
  index(zip: Buffer): WalkIndex {
    return { zip, headers: this.headers, walked: this.walked };
  }

  /** `zip[0, available)` has arrived (the same buffer every time, filled in order). */
  advance(zip: Buffer, available: number): void {
    while (!this.stopped && !this.complete) {
      const at = this.pos;
      if (at + 4 > available) return;
      const signature = zip.readUInt32LE(at);
      if (signature !== LOCAL) {
        if (signature === CENTRAL || signature === EOCD) this.complete = true;
        else this.stopped = true;
        return;
      }
      if (at + LOCAL_HEADER > available) return;
      const flags = zip.readUInt16LE(at + 6);
      const entry: EntryFields = {
        name: "", method: zip.readUInt16LE(at + 8), crc32: zip.readUInt32LE(at + 14),
        compressedSize: zip.readUInt32LE(at + 18), uncompressedSize: zip.readUInt32LE(at + 22),
      };
      if (flags & UNWALKABLE_FLAGS || entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff) {
        this.stopped = true;
        return;
      }
      const start = localDataStart(zip, at);
      const end = start + entry.compressedSize;
      if (end > zip.length) {
        this.stopped = true;
        return;
      }
      if (end > available) return;
      if (this.mayInflate(entry) && (this.sameAsBefore(zip, at, entry, start) || this.check(zip, entry, start))) {
        this.walked.set(start, entry);
        this.headers.push(at);
      }
      this.pos = end;
    }
  }

  /** Whether the previous walk checked an entry of the same name as the one at `at`, with these fields and bytes. */
  private sameAsBefore(zip: Buffer, at: number, entry: EntryFields, start: number): boolean {
    const previous = this.previous;
    if (!previous) return false;
    const k = this.candidate(zip, at);
    if (k === undefined) return false;
    this.cursor = k + 1;
    const from = localDataStart(previous.zip, previous.headers[k]);
    if (!sameFields(previous.walked.get(from), entry)) return false;
    return zip.compare(previous.zip, from, from + entry.compressedSize, start, start + entry.compressedSize) === 0;
  }

  /** Index in `previous.headers` of the entry named as the one at `at`: the next by position, else by name. */
  private candidate(zip: Buffer, at: number): number | undefined {
    const { zip: old, headers } = this.previous!;
    const nameEnd = at + LOCAL_HEADER + zip.readUInt16LE(at + 26);
    const k = this.cursor;
    if (k < headers.length) {
      const before = headers[k];
      const oldEnd = before + LOCAL_HEADER + old.readUInt16LE(before + 26);
      if (zip.compare(old, before + LOCAL_HEADER, oldEnd, at + LOCAL_HEADER, nameEnd) === 0) return k;
    }
    if (!this.previousByName) {
      this.previousByName = new Map();
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i];
        this.previousByName.set(old.toString("latin1", h + LOCAL_HEADER, h + LOCAL_HEADER + old.readUInt16LE(h + 26)), i);
      }
    }
    return this.previousByName.get(zip.toString("latin1", at + LOCAL_HEADER, nameEnd));
  }

  private check(zip: Buffer, entry: EntryFields, start: number): boolean {
    try {
      checkData(zip, entry, start, this.verified);
      return true;
    } catch {
      return false; // left to the ordinary verification, which says what is wrong with it
    }
  }

  /** Within what the archive limits allow, counted as if every entry were inflated. */
  private mayInflate(entry: EntryFields): boolean {
    this.inflated += entry.uncompressedSize;
    // Bigger entries are inflated as a stream by `verifyZip`, not whole.
    return entry.uncompressedSize <= WHOLE_ENTRY_MAX && this.inflated <= this.limits.maxTotalBytes && !entryOverLimits(entry, this.limits);
  }
}
