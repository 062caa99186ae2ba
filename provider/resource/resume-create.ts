/**
 * Resuming a create that died between its two steps. A package over the import limit is imported with a
 * placeholder, then uploaded with `PUT …/code`; if the provider dies in between, nothing is recorded and the
 * next `up` meets its own function as "already exists" (FSS.1061). To finish it — and ONLY it — the
 * placeholder carries a marker no one else writes: its single file names the app, the function and the SHA-512
 * of the code zip this create is about to upload. The placeholder zip is deterministic, so its digest (which
 * the service reports) identifies it. An existing function whose digest is this create's placeholder digest was
 * therefore made by a create of this very resource with this very code; any other function (someone else's, a
 * placeholder for other code) is not touched without `adopt`.
 */
import { createHash } from "node:crypto";
import type { FunctionModel } from "../api";
import { writeStoredZip } from "../api/stored-zip";
import type { PackagedSource } from "../package";
import type { CheckedInputs } from "./inputs";

/** The marker file's name inside a placeholder zip. */
export const PLACEHOLDER_FILE = "PLACEHOLDER.txt";

/** This create's placeholder and how to recognise a function it left half-finished. */
export interface OwnPlaceholder {
  /** The placeholder code zip to import. */
  readonly zip: Buffer;
  /** Its SHA-512 (the digest the service reports for a function holding it). */
  readonly digest: string;
  /** True when `existing` is this create's own half-finished function (its code is still our placeholder). */
  isOwnHalfFinished(existing: FunctionModel): boolean;
}

/** The placeholder for creating `inputs` with the code `pkg` (see the module doc). */
export function ownPlaceholder(inputs: Pick<CheckedInputs, "package" | "funcName">, pkg: Pick<PackagedSource, "zipSha512">): OwnPlaceholder {
  const text = "pulumi-functiongraph placeholder: replaced by the real code upload\n" +
    `function: ${inputs.package}:${inputs.funcName}\ncode-sha512: ${pkg.zipSha512}\n`;
  const zip = writeStoredZip([{ name: PLACEHOLDER_FILE, data: Buffer.from(text) }]);
  const digest = createHash("sha512").update(zip).digest("hex");
  return { zip, digest, isOwnHalfFinished: (existing) => existing.digest === digest };
}
