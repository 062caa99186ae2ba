/**
 * Trigger API shapes (`/v2/{project_id}/fgs/triggers/{function_urn}[/{type}/{trigger_id}]`, official SDK models
 * CreateFunctionTriggerRequestBody, TriggerEventDataRequestBody, ListFunctionTriggerResult …) and the per-type
 * `event_data` rules. Shared by the client, the `Trigger` resource's `check` and the emulator, so a trigger the
 * preview accepts is one the emulator accepts. Unknown `event_data` keys pass through (the service has many).
 */
import { z } from "zod";
import { parseSchedule } from "./trigger-schedule";

/** Trigger types the service documents (SDK `…TriggerTypeCodeEnum`). */
export const TRIGGER_TYPES = [
  "TIMER", "APIG", "CTS", "DDS", "DMS", "DIS", "LTS", "OBS", "SMN", "KAFKA", "RABBITMQ", "DEDICATEDGATEWAY",
  "OPENSOURCEKAFKA", "APIC", "GAUSSMONGO", "EVENTGRID",
] as const;

/** A trigger type code. */
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Trigger statuses. */
export const TRIGGER_STATUSES = ["ACTIVE", "DISABLED"] as const;

/** A trigger status. */
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** `event_data` keys holding a password: never echoed by the emulator, secret in the resource's state. */
export const TRIGGER_SECRET_KEYS = ["db_password", "kafka_password", "access_password"] as const;

/** Timer trigger name: a letter, then letters, digits, `_` or `-`, at most 64 characters [U]. */
export const TRIGGER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Longest TIMER `user_event` [U: 4 KB in the console]. */
export const USER_EVENT_MAX = 4096;

const req = (what: string) => ({ message: `required: ${what}` });
const str = (what: string) => z.string(req(what)).min(1, { message: `must not be empty: ${what}` });
const batch = (max: number) => z.number({ message: `must be a whole number 1-${max}` }).int().min(1).max(max).optional();
const list = (what: string) => z.array(z.string(), req(what)).min(1, { message: `needs at least one entry: ${what}` });

/** TIMER: `name`, `schedule_type` Rate|Cron, `schedule` in that syntax, optional `user_event`. */
const TimerEventData = z.looseObject({
  name: z.string(req("the timer's name, e.g. 'every-5-minutes'")).regex(TRIGGER_NAME_PATTERN, {
    message: "must start with a letter and use at most 64 letters, digits, '_' or '-'",
  }),
  schedule_type: z.enum(["Rate", "Cron"], { message: "required: 'Rate' (e.g. '5m') or 'Cron' (e.g. '0 0 * * * ?')" }),
  schedule: z.string(req("the schedule: '5m' for Rate, six cron fields or '@every 1h' for Cron")),
  user_event: z.string().max(USER_EVENT_MAX, { message: `must be at most ${USER_EVENT_MAX} characters` }).optional(),
}).superRefine((d, ctx) => {
  const r = parseSchedule(d.schedule_type, d.schedule);
  if (!r.ok) ctx.addIssue({ code: "custom", path: ["schedule"], message: r.reason });
});

/** APIG (and DEDICATEDGATEWAY): the API group, environment, path, method, auth and protocol. */
const ApigEventData = z.looseObject({
  group_id: str("the API Gateway group id (group_id)"),
  env_id: str("the API Gateway environment id (env_id)"),
  env_name: z.string().optional(),
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{2,63}$/, {
    message: "the API name: 3-64 letters, digits or '_', starting with a letter",
  }).optional(),
  path: z.string(req("the API path, e.g. '/hello'")).regex(/^\/[A-Za-z0-9_.{}+\-/]*$/, {
    message: "must start with '/' and use letters, digits, '_', '-', '.', '{}', '+' and '/'",
  }),
  req_method: z.enum(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "ANY"], {
    message: "required: GET, POST, PUT, DELETE, HEAD, PATCH, OPTIONS or ANY",
  }),
  auth: z.enum(["IAM", "APP", "NONE"], { message: "required: IAM, APP or NONE" }),
  protocol: z.enum(["HTTP", "HTTPS"], { message: "required: HTTP or HTTPS" }),
  match_mode: z.enum(["SWA", "NORMAL"], { message: "must be SWA (prefix) or NORMAL (exact)" }).optional(),
  type: z.union([z.literal(1), z.literal(2)], { message: "must be 1 (public) or 2 (private)" }).optional(),
  backend_type: z.literal("FUNCTION", { message: "must be FUNCTION" }).optional(),
});

/** Per-type `event_data` schemas; types without one accept any object. */
export const EVENT_DATA_SCHEMAS: Partial<Record<TriggerType, z.ZodType>> = {
  TIMER: TimerEventData,
  APIG: ApigEventData,
  DEDICATEDGATEWAY: ApigEventData,
  OBS: z.looseObject({
    bucket: str("the OBS bucket name"),
    events: z.array(z.string().regex(/^(s3|obs):Object(Created|Removed):[A-Za-z*]+$/, {
      message: "each event looks like 's3:ObjectCreated:*', 's3:ObjectCreated:Put' or 's3:ObjectRemoved:Delete'",
    }), req("the OBS events, e.g. ['s3:ObjectCreated:*']")).min(1, { message: "needs at least one event, e.g. 's3:ObjectCreated:*'" }),
    prefix: z.string().max(1024).optional(),
    suffix: z.string().max(1024).optional(),
  }),
  SMN: z.looseObject({
    topic_urn: z.string(req("the SMN topic URN (urn:smn:<region>:<project>:<topic>)")).regex(/^urn:smn:[^:]+:[^:]+:[^:]+$/, {
      message: "must be an SMN topic URN: urn:smn:<region>:<project>:<topic>",
    }),
  }),
  LTS: z.looseObject({
    log_group_id: str("the LTS log group id"),
    log_topic_id: str("the LTS log stream (topic) id"),
  }),
  KAFKA: z.looseObject({
    instance_id: str("the DMS Kafka instance id"),
    topic_ids: list("the Kafka topic ids"),
    batch_size: batch(1000),
  }),
  OPENSOURCEKAFKA: z.looseObject({
    kafka_connect_address: str("the Kafka broker addresses"),
    topic_ids: list("the Kafka topics"),
    batch_size: batch(1000),
  }),
  DMS: z.looseObject({
    queue_id: str("the DMS queue id"),
    consumer_group_id: str("the DMS consumer group id"),
    polling_interval: z.number().int().min(1).max(60).optional(),
    batch_size: batch(10),
  }),
  RABBITMQ: z.looseObject({
    instance_id: str("the RabbitMQ instance id"),
    exchange_name: str("the RabbitMQ exchange"),
    vhost: z.string().optional(),
    batch_size: batch(100),
  }),
  CTS: z.looseObject({
    name: z.string(req("the CTS notification name")).regex(TRIGGER_NAME_PATTERN, {
      message: "must start with a letter and use at most 64 letters, digits, '_' or '-'",
    }),
    operations: z.array(z.string().regex(/^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_;,-]+$/, {
      message: "each operation looks like 'service:resource:operation', e.g. 'ECS:ecs:createServer'",
    }), req("the traced operations, e.g. ['ECS:ecs:createServer']")).min(1, { message: "needs at least one operation" }),
  }),
  DDS: z.looseObject({
    instance_id: str("the DDS instance id"),
    collection_name: str("the collection"),
    db_name: str("the database"),
    db_password: str("the database password"),
    batch_size: batch(10000),
  }),
  GAUSSMONGO: z.looseObject({
    instance_id: str("the GaussDB(for Mongo) instance id"),
    collection_name: str("the collection"),
    db_name: str("the database"),
    batch_size: batch(10000),
  }),
  DIS: z.looseObject({
    stream_name: str("the DIS stream name"),
    sharditerator_type: z.enum(["TRIM_HORIZON", "LATEST"], { message: "required: TRIM_HORIZON or LATEST" }),
    polling_interval: z.number().int().min(1).max(60).optional(),
    max_fetch_bytes: z.number().int().min(1).max(4 * 1024 * 1024).optional(),
    batch_size: batch(10000),
  }),
};

/** Problems of `event_data` for a type: `[{ path, message }]`, empty when valid. */
export function eventDataProblems(type: string, eventData: unknown): { path: string; message: string }[] {
  if (eventData === null || typeof eventData !== "object" || Array.isArray(eventData)) {
    return [{ path: "", message: "must be an object with the service's event_data keys" }];
  }
  const schema = EVENT_DATA_SCHEMAS[type as TriggerType];
  if (!schema) return [];
  const r = schema.safeParse(eventData);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/**
 * What makes two triggers of one function the same trigger (the service refuses a duplicate [U]): the timer's
 * name, the API's group/env/path/method, the bucket's prefix/suffix/events… Undefined for types where only the
 * whole event data identifies a trigger.
 */
export function triggerIdentity(type: string, d: Record<string, unknown>): unknown[] | undefined {
  switch (type) {
    case "TIMER": return ["TIMER", d.name];
    case "APIG": case "DEDICATEDGATEWAY": return [type, d.group_id, d.env_id, d.path, d.req_method];
    case "OBS": return ["OBS", d.bucket, d.prefix ?? "", d.suffix ?? "", d.events];
    case "SMN": return ["SMN", d.topic_urn];
    case "LTS": return ["LTS", d.log_group_id, d.log_topic_id];
    case "CTS": return ["CTS", d.name];
    default: return undefined;
  }
}

/** The `event_data` without password keys (what may be echoed or compared). */
export function publicEventData(eventData: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(eventData).filter(([k]) => !(TRIGGER_SECRET_KEYS as readonly string[]).includes(k)));
}

/** `POST /triggers/{urn}` request body (type and data validated per type by `eventDataProblems`). */
export const CreateTriggerRequestSchema = z.object({
  trigger_type_code: z.enum(TRIGGER_TYPES),
  trigger_status: z.enum(TRIGGER_STATUSES).optional(),
  event_type_code: z.string().optional(),
  event_data: z.record(z.string(), z.unknown()),
});

/** `PUT /triggers/{urn}/{type}/{id}` request body. */
export const UpdateTriggerRequestSchema = z.object({
  trigger_status: z.enum(TRIGGER_STATUSES).optional(),
  event_data: z.record(z.string(), z.unknown()).optional(),
});

/** A trigger as the service answers it (create, show, update, list items). */
export const TriggerSchema = z.looseObject({
  trigger_id: z.string(),
  trigger_type_code: z.string(),
  trigger_status: z.string(),
  event_data: z.record(z.string(), z.unknown()).nullish(),
  last_updated_time: z.string().nullish(),
  created_time: z.string().nullish(),
});

/** `GET /triggers/{urn}`: a bare array of triggers. */
export const ListTriggersResponseSchema = z.array(TriggerSchema);

/** The create-trigger request body. */
export type CreateTriggerRequest = z.infer<typeof CreateTriggerRequestSchema>;
/** The update-trigger request body. */
export type UpdateTriggerRequest = z.infer<typeof UpdateTriggerRequestSchema>;
/** A trigger. */
export type TriggerModel = z.infer<typeof TriggerSchema>;
