/**
 * A symlink must not ship, under its own name, content the ignore rules leave out: `config.txt -> .env` would
 * otherwise upload the secrets `.env` was excluded to protect. For a link whose target is inside the source
 * tree, the target's own path (relative to the tree's real root) is judged by the same rules the walk applies —
 * `.git`, every `.gitignore`/`.fgsignore` on the way down, then the `exclude` patterns — and any ignored
 * component refuses the link (SYMLINK_TO_IGNORED, naming the link and the target), unless the caller set
 * `allowLinksToIgnored`. Ignore files are read once per directory and cached for the walk.
 */
import * as path from "node:path";
import { PackagingError } from "./errors";
import { ALWAYS_EXCLUDED, excludeLevel, IGNORE_FILE_NAMES, isIgnored, readIgnoreFiles, type IgnoreLevel } from "./ignore-rules";
import type { ResolvedPackagingOptions } from "./options";

/** What the check needs, plus its per-walk cache of ignore levels by real-relative directory. */
export interface LinkTargetRules {
  readonly realRoot: string;
  readonly options: ResolvedPackagingOptions;
  readonly cache: Map<string, IgnoreLevel[]>;
}

const ALL_IGNORE_FILES = new Set(IGNORE_FILE_NAMES);

/** Ignore-file levels that apply to entries of `relDir` ("" = root), from the root down. */
function levelsFor(rules: LinkTargetRules, relDir: string): IgnoreLevel[] {
  const hit = rules.cache.get(relDir);
  if (hit) return hit;
  const parent = relDir === "" ? [] : levelsFor(rules, relDir.includes("/") ? relDir.slice(0, relDir.lastIndexOf("/")) : "");
  const own = rules.options.useIgnoreFiles ? readIgnoreFiles(path.join(rules.realRoot, relDir), relDir, ALL_IGNORE_FILES) : [];
  const levels = parent.concat(own);
  rules.cache.set(relDir, levels);
  return levels;
}

/**
 * Throws SYMLINK_TO_IGNORED when the link at `linkPath` resolves to `real` (inside the tree) and `real`, or a
 * directory on its way, is excluded by `.git`, an ignore file or the `exclude` option.
 */
export function checkLinkTarget(rules: LinkTargetRules, linkPath: string, real: string, isDir: boolean): void {
  if (rules.options.allowLinksToIgnored) return;
  const rel = path.relative(rules.realRoot, real).split(path.sep).join("/");
  if (rel === "") return;
  const exclude = excludeLevel(rules.options.exclude);
  const parts = rel.split("/");
  for (let i = 0; i < parts.length; i++) {
    const relPath = parts.slice(0, i + 1).join("/");
    const levels = levelsFor(rules, parts.slice(0, i).join("/"));
    const asDir = i < parts.length - 1 || isDir;
    if (ALWAYS_EXCLUDED.includes(parts[i]) || isIgnored(exclude ? levels.concat(exclude) : levels, relPath, asDir)) {
      throw new PackagingError("SYMLINK_TO_IGNORED", linkPath,
        `symlink ${linkPath} points to ${rel}, which the ignore rules leave out (${relPath === rel ? "it" : `its directory ${relPath}/`} is excluded by .git, an ignore file or the exclude option): ` +
          `it would ship that content under another name. Delete the link, exclude it, or set allowLinksToIgnored if you really mean to upload it`);
    }
  }
}
