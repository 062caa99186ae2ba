/**
 * Builds what export returns: for `type=code` the stored code zip itself; for `type=config` a zip holding the
 * function's YAML; for both, an import-format package (`<name>.yaml` + the code zip under `CodeFileName`)
 * that can be imported again.
 */
import archiver from "archiver";
import { stringify } from "yaml";
import { templateOfConfig } from "./function-config";
import type { FunctionConfig } from "../store/records";

/** The YAML template the import page documents, filled from a config (derived from the property table). */
export function functionYaml(name: string, c: FunctionConfig): string {
  return stringify(templateOfConfig(name, c));
}

/** Zips `files` (in memory, fixed dates so equal inputs give equal bytes). */
export function zipFiles(files: Array<{ name: string; data: Buffer | string }>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = archiver("zip", { zlib: { level: 6 } });
    const chunks: Buffer[] = [];
    archive.on("data", (c: Buffer) => chunks.push(c));
    archive.on("error", reject);
    archive.on("end", () => resolve(Buffer.concat(chunks)));
    for (const f of files) archive.append(f.data, { name: f.name, date: new Date(Date.UTC(2020, 0, 1)) });
    void archive.finalize();
  });
}

/** The export answer for the requested parts. */
export async function buildExport(
  name: string, config: FunctionConfig, code: Buffer, parts: { code: boolean; config: boolean },
): Promise<{ fileName: string; data: Buffer }> {
  if (parts.code && !parts.config) return { fileName: `${name}-code.zip`, data: code };
  const files: Array<{ name: string; data: Buffer | string }> = [{ name: `${name}.yaml`, data: functionYaml(name, config) }];
  if (parts.code) files.push({ name: config.code_filename, data: code });
  return { fileName: parts.code ? `${name}.zip` : `${name}-config.zip`, data: await zipFiles(files) };
}
