/**
 * What changed in the source since the last deployment, told in the preview (added / removed / modified, the
 * first 20 names, then counts) from a compact fingerprint stored with the resource.
 *
 * The fingerprint must stay small (under 64 KB of state even for a 20,000-file tree), and a per-file list
 * cannot: 20,000 node_modules paths alone deflate to ~84 KB. So the fingerprint groups files by their first
 * `depth` path components, choosing the deepest grouping that fits the budget: per group a file count and a
 * 32-bit hash of its members. Small trees keep one entry per file (exact names); big trees degrade to
 * directory names (`node_modules/lodash/`), which is still what a reviewer wants to see.
 */
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";

/** A file as the fingerprint sees it (what `hashSource` returns per file). */
export interface FingerprintFile {
  path: string;
  mode: number;
  sha512: string;
}

/** Budget for the stored fingerprint, in Base64 characters. */
export const FINGERPRINT_BUDGET = 32 * 1024;

/** Names shown in a summary before the counts take over. */
export const MAX_NAMES = 20;

const FORMAT = "fgs-fp1";
/** Files sampled to measure the encoded size per entry of a big tree. */
const SAMPLE = 2000;
const UNLIMITED = 0;

interface Group { count: number; hash: string }

/** The first `depth` components of `path` and a `/` (the path itself when it is not deeper): no split/join. */
function groupKey(path: string, depth: number): string {
  if (depth === UNLIMITED) return path;
  let slash = -1;
  for (let i = 0; i < depth; i++) {
    slash = path.indexOf("/", slash + 1);
    if (slash < 0) return path;
  }
  return path.slice(0, slash + 1);
}

/** Number of `/`-separated components of `path`. */
function componentCount(path: string): number {
  let n = 1;
  for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) n++;
  return n;
}

/**
 * The number of groups at `depth`. Files in path order (as `hashSource` gives them) have each group's members
 * next to each other — paths sharing a prefix are contiguous in sorted order — so counting key changes is
 * enough; other orders take a set.
 */
function groupCount(files: readonly FingerprintFile[], depth: number): number {
  let sorted = true;
  for (let i = 1; i < files.length && sorted; i++) sorted = files[i - 1].path < files[i].path;
  if (!sorted) return new Set(files.map((f) => groupKey(f.path, depth))).size;
  let count = 0;
  let last: string | undefined;
  for (const f of files) {
    const key = groupKey(f.path, depth);
    if (key !== last) count++;
    last = key;
  }
  return count;
}

function groupFiles(files: readonly FingerprintFile[], depth: number): Map<string, Group> {
  // Each group's member lines are hashed in one update (one per file cost more than the hashing).
  const members = new Map<string, string[]>();
  for (const f of files) {
    const key = groupKey(f.path, depth);
    let lines = members.get(key);
    if (!lines) members.set(key, (lines = []));
    lines.push(`${f.path}\u0000${f.mode & 0o111 ? "755" : "644"}\u0000${f.sha512}\n`);
  }
  const groups = new Map<string, Group>();
  for (const [key, lines] of members) {
    groups.set(key, { count: lines.length, hash: createHash("sha256").update(lines.join(""), "utf8").digest("hex").slice(0, 8) });
  }
  return groups;
}

function encode(depth: number, groups: Map<string, Group>): string {
  const lines = [`${FORMAT}\t${depth}`];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    lines.push(`${key}\t${g.count}\t${g.hash}`);
  }
  return deflateRawSync(Buffer.from(lines.join("\n")), { level: 6 }).toString("base64");
}

/**
 * The compact fingerprint of a file list (Base64 of a deflated, sorted group list), at most
 * `FINGERPRINT_BUDGET` characters: the deepest grouping that fits.
 */
export function fingerprintSource(files: readonly FingerprintFile[], budget = FINGERPRINT_BUDGET): string {
  // One entry per file cannot fit when even the 8 random hex digits of each entry's hash (>= 4 bytes deflated,
  // 16/3 Base64 characters) overflow the budget: then the per-file encoding is not built at all.
  let perEntry: number;
  if ((files.length * 16) / 3 <= budget) {
    const encoded = encode(UNLIMITED, groupFiles(files, UNLIMITED));
    if (encoded.length <= budget) return encoded;
    perEntry = encoded.length / files.length;
  } else {
    // The size per entry, measured on an evenly spaced sample (deterministic: the same files, the same sample).
    const step = Math.ceil(files.length / SAMPLE);
    const sample = files.filter((_, i) => i % step === 0);
    perEntry = encode(UNLIMITED, groupFiles(sample, UNLIMITED)).length / sample.length;
  }
  // Find the deepest grouping whose group count fits, from the size per entry (counting groups is cheap; hashing
  // and deflating every depth in turn took ~0.5 s for 20,000 files). Group counts grow with the depth, so the
  // deepest depth that fits is found by bisection.
  const maxDepth = files.reduce((m, f) => Math.max(m, componentCount(f.path)), 1);
  const fits = (d: number) => groupCount(files, d) * perEntry <= budget;
  let lo = 1;
  let hi = Math.max(1, maxDepth - 1);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  let encoded = "";
  for (let depth = lo; depth >= 1; depth--) {
    encoded = encode(depth, groupFiles(files, depth));
    if (encoded.length <= budget) break;
  }
  return encoded;
}

function decode(fingerprint: string): { depth: number; groups: Map<string, Group> } | undefined {
  try {
    const [head, ...lines] = inflateRawSync(Buffer.from(fingerprint, "base64")).toString("utf8").split("\n");
    const [format, depth] = head.split("\t");
    if (format !== FORMAT) return undefined;
    const groups = new Map<string, Group>();
    for (const line of lines) {
      const [key, count, hash] = line.split("\t");
      groups.set(key, { count: Number(count), hash });
    }
    return { depth: Number(depth), groups };
  } catch {
    return undefined;
  }
}

/** Changed names (files, or directories ending in `/` for big trees) and their counts. */
export interface SourceChanges {
  added: string[];
  removed: string[];
  modified: string[];
}

/**
 * Compares the current files with a stored fingerprint, at the fingerprint's grouping. Returns undefined when
 * there is no usable fingerprint (first deployment, or state written by an older format).
 */
export function compareWithFingerprint(
  fingerprint: string | undefined, files: readonly FingerprintFile[],
): SourceChanges | undefined {
  const old = fingerprint ? decode(fingerprint) : undefined;
  if (!old) return undefined;
  const current = groupFiles(files, old.depth);
  const changes: SourceChanges = { added: [], removed: [], modified: [] };
  for (const [key, g] of current) {
    const before = old.groups.get(key);
    if (!before) changes.added.push(key);
    else if (before.hash !== g.hash || before.count !== g.count) changes.modified.push(key);
  }
  for (const key of old.groups.keys()) if (!current.has(key)) changes.removed.push(key);
  for (const list of Object.values(changes)) list.sort();
  return changes;
}

/**
 * One line for the preview: counts, then up to `MAX_NAMES` names marked `+`, `-`, `~`, then how many more.
 * E.g. `2 added, 1 modified, 0 removed: + lib/a.js, + lib/b.js, ~ index.js`.
 */
export function describeChanges(changes: SourceChanges): string {
  const counts = `${changes.added.length} added, ${changes.modified.length} modified, ${changes.removed.length} removed`;
  const named = [
    ...changes.added.map((n) => `+ ${n}`),
    ...changes.modified.map((n) => `~ ${n}`),
    ...changes.removed.map((n) => `- ${n}`),
  ];
  if (named.length === 0) return counts;
  const shown = named.slice(0, MAX_NAMES).join(", ");
  const more = named.length > MAX_NAMES ? `, and ${named.length - MAX_NAMES} more` : "";
  return `${counts}: ${shown}${more}`;
}
