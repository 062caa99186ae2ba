/**
 * `Trigger`: what calls a function — a timer, an API Gateway route, an OBS bucket, an SMN topic, a message
 * queue, a log stream… (type `pulumi-nodejs:dynamic/functiongraph:Trigger`).
 */
import * as pulumi from "@pulumi/pulumi";
import { TRIGGER_SECRET_KEYS, type TriggerStatus, type TriggerType } from "../../api/trigger-schemas";
import { implementationSpecifier } from "../provider";
import { companionProvider } from "../companion/shim";
import { TRIGGER_OUTPUT_KEYS } from "./inputs";

/** Arguments of `Trigger`. */
export interface TriggerArgs {
  /** The function (or version / alias) URN, e.g. `fn.funcUrn`. Changing it replaces the trigger. */
  functionUrn: pulumi.Input<string>;
  /** TIMER, APIG, OBS, SMN, LTS, KAFKA, DMS, RABBITMQ, CTS, DDS, DIS, … Changing it replaces the trigger. */
  type: pulumi.Input<TriggerType>;
  /** ACTIVE (default) or DISABLED; changed in place (only TIMER, DDS, DMS, KAFKA and LTS triggers can be disabled). */
  status?: pulumi.Input<TriggerStatus>;
  /**
   * The service's `event_data` for the type, e.g. TIMER `{ name, schedule_type: "Rate" | "Cron", schedule, user_event }`,
   * APIG `{ group_id, env_id, env_name, path, req_method, auth, protocol }`. Validated at preview; changing it
   * replaces the trigger. Passwords (`db_password`, `kafka_password`, `access_password`) are kept secret.
   */
  eventData: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  /** Take over an existing identical-identity trigger (same timer name, same API route…) instead of failing. */
  adopt?: pulumi.Input<boolean>;
  /** On every preview, compare the live trigger with the recorded one (one GET; default true). */
  driftCheck?: pulumi.Input<boolean>;
  /** Region, project and endpoint: as for `Function` (stack config, then environment). */
  region?: pulumi.Input<string>;
  projectId?: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
}

/** The shim Pulumi serializes: the path of the lifecycle module, nothing else. */
export const triggerProvider = companionProvider(implementationSpecifier(require.resolve("./lifecycle")));

function withSecrets(eventData: TriggerArgs["eventData"]): pulumi.Input<Record<string, unknown>> {
  return pulumi.output(eventData).apply((d) => {
    const hasPassword = Object.keys(d ?? {}).some((k) => (TRIGGER_SECRET_KEYS as readonly string[]).includes(k));
    return (hasPassword ? pulumi.secret(d) : d) as Record<string, unknown>;
  });
}

/** A FunctionGraph trigger. */
export class Trigger extends pulumi.dynamic.Resource {
  declare public readonly triggerId: pulumi.Output<string>;
  declare public readonly functionUrn: pulumi.Output<string>;
  declare public readonly type: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly eventData: pulumi.Output<Record<string, unknown>>;
  /** The event data as the service reports it (adds e.g. `api_id`, `invoke_url` for APIG; never passwords). */
  declare public readonly liveEventData: pulumi.Output<Record<string, unknown>>;
  declare public readonly createdTime: pulumi.Output<string | undefined>;
  declare public readonly lastUpdatedTime: pulumi.Output<string | undefined>;

  constructor(name: string, args: TriggerArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(TRIGGER_OUTPUT_KEYS.map((k) => [k, undefined]));
    Object.assign(props, args, { eventData: withSecrets(args.eventData) });
    super(triggerProvider, name, props, opts, "functiongraph", "Trigger");
  }
}
