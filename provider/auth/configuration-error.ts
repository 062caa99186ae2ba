import { FgsError, hasCode } from "../errors";

/**
 * The error for missing or malformed provider configuration (credentials, region, project, endpoint). One
 * instance lists every problem at once, with the config keys and environment names that fix each, so a user
 * fixes everything in one go. Never carries a credential value.
 */
export class ConfigurationError extends FgsError {
  /** One line per problem, e.g. `region: set functiongraph:region or HW_REGION_NAME`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const message = `FunctionGraph configuration is incomplete or invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`;
    super("FGS_CONFIGURATION", message);
    this.name = "ConfigurationError";
    this.problems = problems;
  }
}

/** True when `err` is a {@link ConfigurationError}, by its code (works across module copies, unlike `instanceof`). */
export function isConfigurationError(err: unknown): err is ConfigurationError {
  return hasCode(err, "FGS_CONFIGURATION");
}
