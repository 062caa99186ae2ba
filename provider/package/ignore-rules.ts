/**
 * gitignore semantics across nested ignore files: each `.gitignore` / `.fgsignore` applies to paths below its
 * own directory, deeper files override shallower ones, later lines override earlier ones, and the caller's
 * `exclude` patterns (root-relative) are applied last so a negation there can re-include a git-ignored path.
 *
 * Edge cases, all as git does them: CRLF line endings and a UTF-8 BOM are accepted; unescaped trailing spaces
 * are dropped (`foo\ ` keeps one); `\#` and `\!` match a literal leading `#` / `!`; `**` works in every
 * position; a negation cannot re-include a file whose parent directory is excluded (`build/` +
 * `!build/keep.js` keeps nothing; write `build/*` to allow it); an ignore file may ignore itself (it is
 * then left out of the package but its rules still apply). Matching is CASE-SENSITIVE everywhere (git's
 * default on Linux, where functions run): the `ignore` library's default is case-insensitive, which would make
 * `*.LOG` drop `a.log` here but not in git, and would make the package depend on nothing but a flag.
 */
import * as path from "node:path";
import ignore, { type Ignore } from "ignore";
import { readRegularText } from "./safe-open";

/**
 * Entry names never packaged, at any depth: VCS metadata. (A plain array, not a Set: Pulumi's function
 * serializer captures module-level values by value and does not rebuild Sets.)
 */
export const ALWAYS_EXCLUDED: readonly string[] = [".git"];

/** Names of the ignore files honoured in every directory, in the order they are applied. */
export const IGNORE_FILE_NAMES: readonly string[] = [".gitignore", ".fgsignore"];

/** The rules of one ignore file (or the `exclude` option), anchored at `base` ("" or "dir/sub/"). */
export interface IgnoreLevel {
  /** Source-relative directory the patterns are relative to, with a trailing "/" ("" for the root). */
  readonly base: string;
  readonly matcher: Ignore;
}

/**
 * Tests `relPath` against one level's rules WITHOUT the library's "a parent directory is ignored" shortcut:
 * the walk never descends into a directory whose combined verdict is "ignored", so a level that ignored a
 * parent which a later level re-included (e.g. `.gitignore: dist/` + `exclude: ["!dist/"]`) must not hide
 * the children. ignore@7's per-path rule test (`_rules.test`) does exactly that; if a future version drops
 * it, fall back to the public `test()` (only that override case then differs).
 */
function testSelf(matcher: Ignore, relPath: string): { ignored: boolean; unignored: boolean } {
  const rules = (matcher as unknown as { _rules?: { test?: (p: string, mode: string) => { ignored: boolean; unignored: boolean } } })._rules;
  if (rules && typeof rules.test === "function") return rules.test(relPath, "regex");
  return matcher.test(relPath);
}

/**
 * Combined verdict of every level for a source-relative path (`/` separators). Levels are applied in
 * order; the last one with a matching rule decides, as git does.
 */
export function isIgnored(levels: readonly IgnoreLevel[], relPath: string, isDir: boolean): boolean {
  let verdict = false;
  for (const level of levels) {
    if (level.base && !relPath.startsWith(level.base)) continue;
    const sub = relPath.slice(level.base.length) + (isDir ? "/" : "");
    const r = testSelf(level.matcher, sub);
    if (r.ignored) verdict = true;
    else if (r.unignored) verdict = false;
  }
  return verdict;
}

/** A matcher with the options every level uses (case-sensitive, see the file comment). */
function newMatcher(patterns: string | readonly string[]): Ignore {
  return ignore({ ignorecase: false }).add(patterns as string | string[]);
}

/** Builds the level for caller-supplied `exclude` patterns (anchored at the source root). */
export function excludeLevel(patterns: readonly string[]): IgnoreLevel | undefined {
  return patterns.length ? { base: "", matcher: newMatcher(patterns) } : undefined;
}

/**
 * Reads the ignore files present in `absDir` (whose entry names are `names`) and returns their levels,
 * anchored at `relDir`. An unreadable ignore file is an error rather than silently including everything.
 */
export function readIgnoreFiles(absDir: string, relDir: string, names: ReadonlySet<string>): IgnoreLevel[] {
  const levels: IgnoreLevel[] = [];
  for (const name of IGNORE_FILE_NAMES) {
    if (!names.has(name)) continue;
    const file = path.join(absDir, name);
    // Never blocks on a FIFO named like an ignore file (safe-open.ts); absent or a directory: no rules.
    const text = readRegularText(file);
    if (text === undefined) continue;
    levels.push({ base: relDir ? relDir + "/" : "", matcher: newMatcher(text) });
  }
  return levels;
}
