/**
 * Walks a source directory and returns the files to package, sorted by the byte order of their UTF-8
 * relative paths — the one order both the source hash and the zip use, independent of readdir order.
 * Applies ignore rules, always leaves out `.git`, resolves symlinks safely, and checks the size limit
 * before a single byte is read.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as buffer from "node:buffer";
import { PackagingError, unreadable } from "./errors";
import { ALWAYS_EXCLUDED, excludeLevel, isIgnored, readIgnoreFiles, type IgnoreLevel } from "./ignore-rules";
import type { ResolvedPackagingOptions } from "./options";
import { checkLinkTarget, type LinkTargetRules } from "./link-target-rules";

/** Normalised Unix mode of a packaged file: 0o755 if any exec bit is set on disk, else 0o644. */
export type FileMode = 0o644 | 0o755;

/**
 * A file selected for packaging, before its content is read. Kept small on purpose (tens of thousands are
 * held while the zip is built): the absolute path is `absolutePath(root, file)`.
 */
export interface CollectedFile {
  /** Source-relative path with `/` separators (for a symlink: the link's path, which reads the target). */
  readonly path: string;
  /** Position in discovery (walk) order: results of out-of-order processing are stored under it. */
  readonly seq: number;
  /** Size in bytes at walk time. */
  readonly size: number;
  readonly mode: FileMode;
  /** Modification and change times at walk time: with `ino` and `size`, the file's stat stamp (hash-cache.ts `statStamp`). */
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Device and inode the walk saw: the read must open this very file (safe-open.ts). */
  readonly dev: number;
  readonly ino: number;
  /** For a symlink: the absolute real path of its target, which is what is read (never through the link). */
  readonly target?: string;
}

/** Result of walking a source directory. */
export interface CollectedSource {
  /** Absolute path of the source directory as given (resolved against cwd). */
  readonly root: string;
  /** Files in archive order: byte order of the UTF-8 path. */
  readonly files: CollectedFile[];
  /** Sum of `files[].size`. */
  readonly totalBytes: number;
}


/** Characters refused in names (see `collectFiles`): control characters and the backslash. */
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f\\]/;

/** Normalises an on-disk mode to 0o644 / 0o755 so umask and checkout tools cannot change the package. */
export function normaliseMode(mode: number): FileMode {
  return mode & 0o111 ? 0o755 : 0o644;
}

function statSource(root: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new PackagingError("ENOENT_SOURCE", root, `source directory ${root} does not exist: check sourceDir (relative paths resolve against ${process.cwd()})`);
    }
    throw unreadable(root, err);
  }
  if (!st.isDirectory()) {
    throw new PackagingError("NOT_A_DIRECTORY", root, `source path ${root} is not a directory: set sourceDir to the directory that contains it`);
  }
}

function isInside(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);
}

/**
 * Lists the files of `dir` to package, in archive order. `onFile` sees each file as soon as it is found (in
 * walk order), so reading and deflating can start while the walk goes on. Throws `PackagingError` for a missing or non-directory
 * source, unreadable directories, escaping / broken / cyclic symlinks, special files, an empty result or a
 * total size over `options.maxTotalBytes`.
 *
 * Names (judgement calls, chosen so the zip extracts to exactly the tree on disk or fails loudly):
 * - Names are used byte for byte as the file system returns them: no Unicode normalisation, so `é` as
 *   U+00E9 (NFC) and as `e` + U+0301 (NFD) are two different entries, as they are two files on Linux.
 * - Spaces, `#`, `%`, `?`, `*`, quotes, a leading `-`, trailing spaces, emoji and CJK are kept as they are
 *   (UTF-8 flag set when not ASCII); every reader tried extracts them unchanged.
 * - A name with a control character (U+0000-U+001F, U+007F: newline, CR as in macOS `Icon\r`, tab…) is
 *   refused (UNSUPPORTED_NAME): Info-ZIP unzip silently drops the character on extraction (`nl\nx` becomes
 *   `nlx`), so the deployed tree would differ from the source. Rename it or exclude it.
 * - A name that is not valid UTF-8 is refused (UNSUPPORTED_NAME): decoding it would silently rename the file
 *   (and fail to read it back), and the zip's UTF-8 flag would be a lie. Rename it or exclude it (ignore
 *   patterns see the name with U+FFFD in place of the bad bytes, so `*` patterns match it).
 * - A name containing a backslash is refused (UNSUPPORTED_NAME): APPNOTE 4.4.17 allows only `/` as a
 *   separator, and most readers would extract `a\b.js` as `a/b.js` (a different tree) or reject the zip.
 * - Hard links are packaged once per name (their content twice), like any two files.
 */
export function collectFiles(dir: string, options: ResolvedPackagingOptions, onFile?: (file: CollectedFile) => void): CollectedSource {
  const root = path.resolve(dir);
  statSource(root);
  const realRoot = fs.realpathSync(root);
  const exclude = excludeLevel(options.exclude);
  const files: CollectedFile[] = [];
  let totalBytes = 0;

  let entriesSeen = 0;
  const countEntry = (absPath: string): void => {
    if (++entriesSeen > options.maxEntries) {
      throw new PackagingError("TOO_LARGE", absPath,
        `source directory ${root} has more than ${options.maxEntries} files and directories (reached at ${absPath}; symlinks count each time they are followed): ` +
          `exclude what the function does not need (exclude option or .fgsignore), or raise maxEntries`);
    }
  };
  const linkExpansions = new Map<string, number>();
  const targetRules: LinkTargetRules = { realRoot, options, cache: new Map() };

  const addFile = (relPath: string, absPath: string, st: fs.Stats, target?: string): void => {
    countEntry(absPath);
    if (st.size > MAX_FILE_BYTES) {
      throw new PackagingError("TOO_LARGE", absPath,
        `${absPath} is ${st.size} bytes; one file can be at most ${MAX_FILE_BYTES} bytes (packaging holds a file in one buffer): exclude it (exclude option or .fgsignore)`);
    }
    totalBytes += st.size;
    if (totalBytes > options.maxTotalBytes) {
      throw new PackagingError(
        "TOO_LARGE",
        root,
        `source directory ${root} holds more than ${options.maxTotalBytes} bytes uncompressed (reached at ${absPath}): ` +
          `exclude large or unneeded files (exclude option or .fgsignore), or raise maxTotalBytes if the service allows it`,
      );
    }
    const file: CollectedFile = {
      path: relPath, seq: files.length, size: st.size, mode: normaliseMode(st.mode), mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs,
      dev: st.dev, ino: st.ino, ...(target !== undefined ? { target } : {}),
    };
    files.push(file);
    onFile?.(file);
  };

  const walk = (absDir: string, relDir: string, realDir: string, ancestors: Set<string>, parentLevels: IgnoreLevel[]): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absDir, { withFileTypes: true });
    } catch (err) {
      throw unreadable(absDir, err);
    }
    // What was listed must be the directory the walk meant (not one swapped for a link to elsewhere meanwhile).
    assertSameDirectory(absDir, realDir);
    const fileLevels = options.useIgnoreFiles
      ? parentLevels.concat(readIgnoreFiles(absDir, relDir, new Set(entries.map((e) => e.name))))
      : parentLevels;
    const levels = exclude ? fileLevels.concat(exclude) : fileLevels;
    const badNames = namesNotUtf8(absDir, entries);

    for (const entry of entries) {
      const name = entry.name;
      if (ALWAYS_EXCLUDED.includes(name)) continue;
      const relPath = relDir ? `${relDir}/${name}` : name;
      const absPath = childPath(absDir, name);
      if (badNames?.has(name) || UNSAFE_NAME_CHARS.test(name)) {
        if (isIgnored(levels, relPath, entry.isDirectory())) continue;
        throw unsupportedName(absPath, badNames?.has(name)
          ? "is not valid UTF-8 (shown here with U+FFFD for the bad bytes)"
          : name.includes("\\")
            ? "contains a backslash, which most zip readers take for a path separator"
            : `contains a control character (${JSON.stringify(name)}), which zip readers drop or reject`);
      }

      if (entry.isDirectory()) {
        if (isIgnored(levels, relPath, true)) continue;
        const real = childPath(realDir, name);
        if (ancestors.has(real)) {
          throw new PackagingError("SYMLINK_CYCLE", absPath, `directory ${absPath} is its own ancestor (reached through a symlink): remove the link or exclude it`);
        }
        countEntry(absPath);
        ancestors.add(real);
        walk(absPath, relPath, real, ancestors, fileLevels);
        ancestors.delete(real);
      } else if (entry.isFile()) {
        if (isIgnored(levels, relPath, false)) continue;
        let st: fs.Stats;
        try {
          st = fs.lstatSync(absPath); // never through a link: it must still be the regular file readdir listed
        } catch (err) {
          throw unreadable(absPath, err);
        }
        if (!st.isFile()) {
          if (st.isSymbolicLink() || st.isDirectory()) {
            throw new PackagingError("CHANGED_WHILE_PACKAGING", absPath, `${absPath} was replaced (by a symlink or a directory) while the source directory was walked: run again once nothing is writing to it`);
          }
          throw unsupported(absPath);
        }
        addFile(relPath, absPath, st);
      } else if (entry.isSymbolicLink()) {
        if (isIgnored(levels, relPath, false)) continue;
        let real: string;
        try {
          real = fs.realpathSync(absPath);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT" || code === "ENOTDIR") {
            throw new PackagingError("SYMLINK_BROKEN", absPath, `symlink ${absPath} -> ${readLink(absPath)} points to nothing: fix or delete the link, or exclude it`);
          }
          if (code === "ELOOP") {
            throw new PackagingError("SYMLINK_CYCLE", absPath, `symlink ${absPath} -> ${readLink(absPath)} loops back on itself: fix or delete the link, or exclude it`);
          }
          throw unreadable(absPath, err);
        }
        let st: fs.Stats;
        try {
          st = fs.statSync(real);
        } catch (err) {
          throw unreadable(absPath, err);
        }
        if (st.isDirectory() && isIgnored(levels, relPath, true)) continue;
        const inside = isInside(realRoot, real);
        if (!options.followExternalSymlinks && !inside) {
          throw new PackagingError(
            "SYMLINK_ESCAPES",
            absPath,
            `symlink ${absPath} resolves to ${real}, outside the source directory ${root}: ` +
              `delete the link, exclude it, copy the target in, or set followExternalSymlinks if you really mean to upload it`,
          );
        }
        if (inside) checkLinkTarget(targetRules, absPath, real, st.isDirectory());
        if (st.isDirectory()) {
          if (ancestors.has(real)) {
            throw new PackagingError("SYMLINK_CYCLE", absPath, `symlink ${absPath} -> ${readLink(absPath)} points to its own ancestor ${real}, which would loop forever: delete the link or exclude it`);
          }
          const times = (linkExpansions.get(real) ?? 0) + 1;
          linkExpansions.set(real, times);
          if (times > options.maxSymlinkExpansions) {
            throw new PackagingError("SYMLINK_FANOUT", absPath,
              `symlink ${absPath} -> ${readLink(absPath)} is the ${times}th link into ${real}: links that fan out expand the tree exponentially. ` +
                `Delete or exclude the redundant links, or raise maxSymlinkExpansions if every copy is really wanted`);
          }
          countEntry(absPath);
          ancestors.add(real);
          walk(absPath, relPath, real, ancestors, fileLevels);
          ancestors.delete(real);
        } else if (st.isFile()) {
          addFile(relPath, absPath, st, real);
        } else {
          throw unsupported(absPath);
        }
      } else {
        if (isIgnored(levels, relPath, false)) continue;
        throw unsupported(absPath);
      }
    }
  };

  walk(root, "", realRoot, new Set([realRoot]), []);

  if (files.length === 0) {
    throw new PackagingError(
      "EMPTY_AFTER_EXCLUDES",
      root,
      `source directory ${root} has no files left to package after .git, ignore files and exclude patterns: ` +
        `check sourceDir and exclude${options.useIgnoreFiles ? " and the .gitignore/.fgsignore files" : ""}`,
    );
  }
  return { root, files: sortByUtf8Path(files), totalBytes };
}

/** Surrogates: the only UTF-16 code units whose order differs from the UTF-8 byte order of what they encode. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * `files` in the byte order of their UTF-8 paths. Without a character above U+FFFF, JS string order is that
 * order (UTF-16 code units below the surrogates compare like code points), so the common tree sorts on
 * strings; otherwise on UTF-8 keys (transient).
 */
function sortByUtf8Path(files: CollectedFile[]): CollectedFile[] {
  if (!files.some((f) => SURROGATE.test(f.path))) return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const keyed = files.map((f) => ({ key: Buffer.from(f.path, "utf8"), f }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map((k) => k.f);
}

/** `dir/name` for an absolute, normalised `dir` (`path.join` normalises again, for every entry of the walk). */
function childPath(dir: string, name: string): string {
  return path.sep === "/" ? (dir.endsWith("/") ? dir + name : `${dir}/${name}`) : path.join(dir, name);
}

/** Absolute path of `file` in the source tree (for a symlink: the link's path; its content is read from `target`). */
export function absolutePath(root: string, file: CollectedFile): string {
  return path.sep === "/" ? `${root}/${file.path}` : path.join(root, file.path);
}

/**
 * The largest single file packaging reads: it holds a file in one Buffer, so 4 GiB (or less where Node.js's
 * `buffer.constants.MAX_LENGTH` is smaller) on every Node.js version alike. A larger file is TOO_LARGE (named),
 * whatever `maxTotalBytes` allows, instead of failing later as unreadable. (No such file can be deployed anyway:
 * the service takes 1.5 GB uncompressed.)
 */
export const MAX_FILE_BYTES = Math.min(buffer.constants.MAX_LENGTH, 2 ** 32);

/** Throws CHANGED_WHILE_PACKAGING unless `absDir` (just listed) still resolves to `realDir`. */
function assertSameDirectory(absDir: string, realDir: string): void {
  let now: string;
  try {
    now = (fs.realpathSync.native ?? fs.realpathSync)(absDir);
  } catch (err) {
    throw unreadable(absDir, err);
  }
  if (now !== realDir) {
    throw new PackagingError("CHANGED_WHILE_PACKAGING", absDir,
      `directory ${absDir} now resolves to ${now}, not ${realDir}: it was replaced (e.g. by a symlink) while the source directory was walked; nothing from it is packaged. Run again once nothing is writing to the source directory`);
  }
}

function readLink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return "?";
  }
}

/**
 * The (lossily decoded) names in `absDir` whose bytes are not valid UTF-8, or undefined when there are none.
 * Only directories with a U+FFFD in some decoded name pay for the second, raw readdir.
 */
function namesNotUtf8(absDir: string, entries: readonly fs.Dirent[]): Set<string> | undefined {
  if (!entries.some((e) => e.name.includes("\uFFFD"))) return undefined;
  let raw: Buffer[];
  try {
    raw = fs.readdirSync(absDir, { encoding: "buffer" });
  } catch (err) {
    throw unreadable(absDir, err);
  }
  const bad = new Set<string>();
  for (const b of raw) {
    const decoded = b.toString("utf8");
    if (!Buffer.from(decoded, "utf8").equals(b)) bad.add(decoded);
  }
  return bad.size ? bad : undefined;
}

function unsupportedName(p: string, why: string): PackagingError {
  return new PackagingError("UNSUPPORTED_NAME", p, `the name of ${p} ${why}: rename it, or exclude it (exclude option or .fgsignore)`);
}

function unsupported(p: string): PackagingError {
  return new PackagingError("UNSUPPORTED_FILE", p, `${p} is not a regular file, directory or symlink (socket, FIFO or device): exclude it`);
}
