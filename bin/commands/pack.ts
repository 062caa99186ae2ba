/**
 * `fgs pack DIR [--exclude PATTERN]... [--level N] [--no-ignore-files] [--out FILE] [--json]`: packages a
 * source directory exactly as a deploy would and prints what would be uploaded (source hash, zip hash, file
 * count, bytes; with --json also every file), so a user can see and check the package before `pulumi up`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { isPackagingError, packageSource, PACKAGING_DEFAULTS } from "../../provider/package";

/** One-line description shown by `fgs --help`. */
export const summary = "zip a source directory deterministically and show what would be uploaded";

const USAGE = `usage: fgs pack DIR [--exclude PATTERN]... [--level 0-9] [--no-ignore-files] [--out FILE] [--json]

  --exclude PATTERN   gitignore-style pattern, relative to DIR (repeatable; applied after ignore files)
  --level N           deflate level 0-9 (default ${PACKAGING_DEFAULTS.compressionLevel}); never changes sourceSha512
  --no-ignore-files   do not honour .gitignore / .fgsignore
  --allow-links-to-ignored   package symlinks whose target the ignore rules exclude (e.g. config -> .env)
  --out FILE          also write the zip to FILE
  --json              print a JSON object with the file list instead of text
`;

/** Runs `fgs pack`; returns the exit code (0 ok, 1 packaging failed, 2 bad usage). */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        exclude: { type: "string", multiple: true, short: "x" },
        level: { type: "string" },
        "no-ignore-files": { type: "boolean" },
        "allow-links-to-ignored": { type: "boolean" },
        out: { type: "string", short: "o" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`fgs pack: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`fgs pack: expected exactly one source directory, got ${positionals.length}\n${USAGE}`);
    return 2;
  }
  const level = values.level === undefined ? undefined : Number(values.level);
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9)) {
    process.stderr.write(`fgs pack: --level must be an integer 0-9, got ${values.level}\n`);
    return 2;
  }

  let result;
  try {
    result = await packageSource(positionals[0], {
      exclude: values.exclude ?? [],
      useIgnoreFiles: !values["no-ignore-files"],
      allowLinksToIgnored: values["allow-links-to-ignored"] === true,
      compressionLevel: level,
    });
  } catch (err) {
    if (isPackagingError(err)) {
      process.stderr.write(`fgs pack: ${err.message} [${err.code}]\n`);
      return 1;
    }
    throw err;
  }

  if (values.out) {
    const out = path.resolve(values.out);
    try {
      fs.writeFileSync(out, result.zip);
    } catch (err) {
      process.stderr.write(`fgs pack: cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? String(err)}): choose a writable --out path\n`);
      return 1;
    }
  }
  const uncompressed = result.files.reduce((n, f) => n + f.size, 0);
  if (values.json) {
    const json = {
      sourceDir: path.resolve(positionals[0]),
      sourceSha512: result.sourceSha512,
      zipSha512: result.zipSha512,
      fileCount: result.files.length,
      uncompressedBytes: uncompressed,
      zipBytes: result.size,
      out: values.out ? path.resolve(values.out) : null,
      files: result.files.map((f) => ({ path: f.path, size: f.size, mode: f.mode.toString(8), sha512: f.sha512 })),
    };
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
  } else {
    process.stdout.write(
      [
        `sourceSha512  ${result.sourceSha512}`,
        `zipSha512     ${result.zipSha512}`,
        `files         ${result.files.length} (${result.files.filter((f) => f.mode === 0o755).length} executable)`,
        `bytes         ${uncompressed} uncompressed, ${result.size} zipped`,
        ...(values.out ? [`written       ${path.resolve(values.out)}`] : []),
      ].join("\n") + "\n",
    );
  }
  return 0;
}
