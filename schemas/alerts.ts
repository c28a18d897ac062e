/**
 * Where alerts go (config key `alerts`): the `events` table and the Redis channel always; JPEG
 * evidence snapshots and webhooks as configured here.
 */
import { type Static, Type } from '@sinclair/typebox';
import { EventRecord, EventTypeSchema, SeveritySchema } from './events.ts';

export const WebhookConfig = Type.Object(
  {
    /** POSTed one JSON EventRecord per request. */
    url: Type.String({ pattern: '^https?://' }),
    /** Only events at or above this severity (default info: all). */
    minSeverity: Type.Optional(SeveritySchema),
    /** Only these event types; absent = all. */
    types: Type.Optional(Type.Array(EventTypeSchema, { minItems: 1, uniqueItems: true })),
    /** Extra request headers, e.g. an Authorization token. */
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

export const AlertsConfig = Type.Object(
  {
    /** Save a JPEG of the triggering frame with the boxes drawn, for each event with tracks. */
    snapshots: Type.Boolean({ default: true }),
    /** Folder for the snapshots (default <dataDir>/evidence). */
    snapshotsDir: Type.Optional(Type.String({ minLength: 1 })),
    webhooks: Type.Array(WebhookConfig, { default: [] }),
    /** Delivery attempts per webhook and event, with exponential backoff from webhookBackoffMs. */
    webhookAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
    webhookBackoffMs: Type.Integer({ minimum: 10, default: 1000 }),
    /** A webhook that does not answer within this is a failed attempt, ms. */
    webhookTimeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
  },
  { additionalProperties: false, default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;

/**
 * A webhook delivery job (queue `webhooks`): which configured webhook, and the event to POST. The
 * URL must be one of `alerts.webhooks`; its headers are taken from there, never from the job.
 */
export const WebhookDelivery = Type.Object(
  {
    /** Its index in `alerts.webhooks`, and its URL (both must still match the configuration). */
    webhook: Type.Integer({ minimum: 0 }),
    url: Type.String({ pattern: '^https?://' }),
    event: EventRecord,
  },
  { additionalProperties: false },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;
