/**
 * Parsing the import package's YAML with bounds: its size (checked from the zip's central directory before it
 * is inflated, and again on the text) and the number of alias expansions (a "billion laughs" document of a few
 * hundred bytes otherwise expands to gigabytes). Failures are 400 FSS.1025 (invalid YAML) or, for the size,
 * the caller's "too large" error.
 */
import { parse } from "yaml";
import { Errors } from "../http/errors";

/** Largest YAML file accepted in an import package, bytes. [U] The service documents none; a function's YAML is ~1 KB. */
export const YAML_MAX_BYTES = 1024 * 1024;

/** Most aliases resolved while building the document (the yaml library's own guard, set explicitly). */
export const YAML_MAX_ALIASES = 100;

/** Parses `text` with the bounds above; 400 FSS.1025 on a syntax error, too many aliases, or too much text. */
export function parseImportYaml(text: string): unknown {
  if (Buffer.byteLength(text) > YAML_MAX_BYTES) throw Errors.invalidYaml(`the YAML file is larger than ${YAML_MAX_BYTES} bytes`);
  try {
    return parse(text, { maxAliasCount: YAML_MAX_ALIASES, uniqueKeys: true });
  } catch (err) {
    throw Errors.invalidYaml(err instanceof Error ? err.message.split("\n")[0] : String(err));
  }
}
