/**
 * Deterministic source packaging for FunctionGraph: `hashSource` (the diff key, cheap, no zip) and
 * `packageSource` (the reproducible zip), their options, file lists and the typed `PackagingError`.
 */
export { hashSource, manifestSha512, type SourceFile, type SourceHash } from "./source-hash";
export { listSource, type ListedFile, type SourceListing } from "./list-source";
export { packagedFromBuffer, packageSource, type PackagedSource } from "./package-source";
export type { WriteToOptions, ZipPieces } from "./spooled-zip";
export { PackagingError, isPackagingError, PACKAGING_ERROR_CODES, type PackagingErrorCode } from "./errors";
export { PACKAGING_DEFAULTS, DEFAULT_MAX_TOTAL_BYTES, type PackagingOptions } from "./options";
export type { FileMode } from "./collect-files";
export { hashCacheDir } from "./hash-cache";
