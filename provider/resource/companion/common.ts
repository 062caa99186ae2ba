/**
 * What the `Trigger`, `Alias` and `Dependency` lifecycles share, gathered in one place: the companion client for
 * a resource's target, the `check` steps every resource shares (check-inputs.ts), which keys a diff finds
 * changed, and the function resource's service helpers they reuse (imported, never changed).
 */
import { isDeepStrictEqual } from "node:util";
import { CompanionClient } from "../../api/companion-client";
import { isUnknown } from "../defaults";
import { requestTimeoutMs, targetOf } from "../service-steps";
import { progress } from "../progress";

export { isUnknown, UNKNOWN } from "../defaults";
export { hashCacheSetting, isServiceError, isUnreachable, sourcePath, targetOf } from "../service-steps";
export { isAmbiguousFailure } from "../../errors";
export { countOf, progress, elapsed, formatBytes } from "../progress";
export { dropUndefined } from "../outputs";
export { recordStackConfig, type ConfigureRequest } from "../stack-config";
export { checkResult, parseInputs, resolveTargetInto, type CheckFailure } from "../check-inputs";

/** Where a companion resource's calls go (recorded in its outputs: refresh and delete only see those). */
export interface TargetFields {
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** A client for the resource's target (its own region/project/endpoint, then stack config, then environment). */
export function companionClient(fields: TargetFields): CompanionClient {
  const target = targetOf(fields);
  return new CompanionClient({
    endpoint: target.endpoint, projectId: target.projectId, credentials: target.credentials,
    timeoutMs: requestTimeoutMs(),
    onRetry: (r) => progress(`retrying ${r.method} ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}): ${r.reason}`),
  });
}

/**
 * The keys a companion's diff finds changed, as replacements and in-place changes (settings.ts's `changedKeys`
 * compares function settings): of `replaceKeys`, those given with another value than recorded (an absent one
 * keeps the recorded value); of `changeKeys`, those different from the recorded value. An unknown value is a
 * change either way.
 */
export function replacesAndChanges(
  olds: Record<string, unknown>, news: Record<string, unknown>, replaceKeys: readonly string[], changeKeys: readonly string[],
): { replaces: string[]; changes: string[] } {
  const replaces = replaceKeys.filter((k) => isUnknown(news[k]) || (news[k] !== undefined && !isDeepStrictEqual(news[k], olds[k])));
  const changes = changeKeys.filter((k) => isUnknown(news[k]) || !isDeepStrictEqual(news[k], olds[k]));
  return { replaces, changes };
}

/** A message from anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
