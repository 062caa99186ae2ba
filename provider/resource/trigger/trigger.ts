/**
 * `Trigger`: what calls a function — a timer, an API Gateway route, an OBS bucket, an SMN topic, a message
 * queue, a log stream… (type `pulumi-nodejs:dynamic/functiongraph:Trigger`). Its arguments and output fields are
 * derived from its table (inputs.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { TRIGGER_SECRET_KEYS } from "../../api/trigger-schemas";
import type { ResourceArgsOf } from "../function";
import { companionClass } from "../companion/resource";
import { TRIGGER, type TRIGGER_PROPERTIES } from "./inputs";

/** Arguments of `Trigger`, from its table. */
export type TriggerArgs = ResourceArgsOf<typeof TRIGGER_PROPERTIES>;

function withSecrets(eventData: TriggerArgs["eventData"]): pulumi.Input<Record<string, unknown>> {
  return pulumi.output(eventData).apply((d) => {
    const hasPassword = Object.keys(d ?? {}).some((k) => (TRIGGER_SECRET_KEYS as readonly string[]).includes(k));
    return (hasPassword ? pulumi.secret(d) : d) as Record<string, unknown>;
  });
}

/** A FunctionGraph trigger. Its provider loads ./lifecycle in the plugin process. */
export const Trigger = companionClass<typeof TRIGGER_PROPERTIES>(
  "Trigger", TRIGGER.outputKeys, require.resolve("./lifecycle"),
  (_name, args) => ({ ...args, eventData: withSecrets(args.eventData) }),
);
/** A FunctionGraph trigger. */
export type Trigger = InstanceType<typeof Trigger>;
