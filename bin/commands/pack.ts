/**
 * `fgs pack DIR [--exclude PATTERN]... [--level N] [--no-ignore-files] [--out FILE] [--json]`: packages a
 * source directory exactly as a deploy would and prints what would be uploaded (source hash, zip hash, file
 * count, bytes; with --json also every file), so a user can see and check the package before `pulumi up`.
 */
import * as path from "node:path";
import { intOption, type Command, type OptionValues } from "../command";
import { isPackagingError, packageSource, PACKAGING_DEFAULTS } from "../../provider/package";

const USAGE = `usage: fgs pack DIR [--exclude PATTERN]... [--level 0-9] [--no-ignore-files] [--out FILE] [--json]

  --exclude PATTERN   gitignore-style pattern, relative to DIR (repeatable; applied after ignore files)
  --level N           deflate level 0-9 (default ${PACKAGING_DEFAULTS.compressionLevel}); never changes sourceSha512
  --no-ignore-files   do not honour .gitignore / .fgsignore
  --allow-links-to-ignored   package symlinks whose target the ignore rules exclude (e.g. config -> .env)
  --out FILE          also write the zip to FILE
  --json              print a JSON object with the file list instead of text
`;

/** `fgs pack`: exit code 0 ok, 1 packaging failed, 2 bad usage. */
export const command: Command = {
  summary: "zip a source directory deterministically and show what would be uploaded",
  usage: USAGE,
  options: {
    exclude: { type: "string", multiple: true, short: "x" },
    level: { type: "string" },
    "no-ignore-files": { type: "boolean" },
    "allow-links-to-ignored": { type: "boolean" },
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
  },
  positionals: { min: 1, max: 1 },
  run: (values, positionals) => pack(values as PackValues, positionals[0]),
};

interface PackValues {
  exclude?: string[]; level?: string; "no-ignore-files"?: boolean; "allow-links-to-ignored"?: boolean; out?: string; json?: boolean;
}

async function pack(values: PackValues, sourceDir: string): Promise<number> {
  const positionals = [sourceDir];
  const level = intOption(values as OptionValues, "level", 0, 9);

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
      result.writeTo(out, { overwrite: true }); // streamed from the package's spool (the zip is never held whole)
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
