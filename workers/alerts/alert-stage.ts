import type { ClickHouseClient } from '@clickhouse/client';
import { type ConnectionOptions, UnrecoverableError } from 'bullmq';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { eventRow } from '../../pipeline/store/rows.ts';
import { storeUnreachable } from '../../pipeline/store/store-unreachable.ts';
import {
  type AlertsConfig,
  type WebhookConfig,
  type WebhookDelivery,
  WebhookDelivery as WebhookDeliverySchema,
} from '../../schemas/alerts.ts';
import { type EventRecord, EventRecord as EventRecordSchema, SEVERITIES } from '../../schemas/events.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis-client.ts';
import { jobId, QUEUE, redisKeys } from '../redis-keys.ts';
import { startStage } from '../stages/stage.ts';

export interface AlertStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Publishes on `<prefix>:events`. */
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  alerts: AlertsConfig;
  logger: Logger;
}

/**
 * The alert path, run by the process that owns the store:
 *
 *   rule engine (track stage) ─┐                    ┌─▶ events table   (insert, dedup token = event id)
 *   camera supervisors ────────┴─▶ queue `alerts` ──┼─▶ Redis PUBLISH <prefix>:events (JSON EventRecord)
 *                                                   └─▶ queue `webhooks` ─▶ POST to each matching URL,
 *                                                        retried with exponential backoff
 *
 * An event is one job whose id is its eventId, so an event raised twice while queued is one job; its
 * row carries the event id as deduplication token, so a retried job inserts it once. Webhooks are
 * separate jobs so a slow or failing receiver neither delays the others nor the table: each is
 * retried `webhookAttempts` times, waiting webhookBackoffMs · 2^n between tries. A 4xx answer other
 * than 408/429 is the receiver refusing the payload: not retried. A delivery job names its webhook
 * (index and URL) but carries no headers: those (tokens) come from the configuration, and a job whose
 * webhook is not configured is refused, so whoever can write to Redis cannot make this process POST elsewhere.
 */
export function startAlertStage(o: AlertStageOptions): { close(): Promise<void> } {
  const runtime = { connection: o.connection, prefix: o.prefix, logger: o.logger };
  const alerts = startStage<EventRecord, void, 'webhooks'>(runtime, {
    name: 'alerts',
    queue: QUEUE.alerts,
    schema: EventRecordSchema,
    concurrency: 4,
    outputs: {
      webhooks: {
        queue: QUEUE.webhooks,
        jobOptions: {
          attempts: o.alerts.webhookAttempts,
          backoff: { type: 'exponential', delay: o.alerts.webhookBackoffMs },
          // Kept a day: the same event and webhook added again is then a no-op, not a second delivery.
          removeOnComplete: { age: 24 * 3600, count: 100_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      },
    },
    async process(event, { outputs }) {
      await insertRows(o.clickhouse, 'events', [eventRow(event)], {
        insert_deduplication_token: `events:${event.eventId}`,
      });
      await o.redis.publish(redisKeys(o.prefix).events, JSON.stringify(event));
      for (const [i, hook] of o.alerts.webhooks.entries()) {
        if (!wants(hook, event)) continue;
        const delivery: WebhookDelivery = { webhook: i, url: hook.url, event };
        await outputs.webhooks.add('deliver', delivery, { jobId: jobId(`${event.eventId}#${i}`) });
      }
    },
    describe: (event) => ({ event: event.eventId }),
    failedMessage: 'event not recorded',
    // The store's server down: the job waits for it instead of using up its attempts.
    unavailable: storeUnreachable,
  });
  const deliveries = startStage<WebhookDelivery, void>(runtime, {
    name: 'webhooks',
    queue: QUEUE.webhooks,
    schema: WebhookDeliverySchema,
    concurrency: 8,
    async process(d) {
      const hook = o.alerts.webhooks[d.webhook];
      if (hook?.url !== d.url) throw new UnrecoverableError(`webhook ${d.url}: not a configured webhook`);
      await deliver(
        { url: hook.url, headers: hook.headers ?? {}, timeoutMs: o.alerts.webhookTimeoutMs },
        d.event,
      );
    },
    describe: (d) => ({ url: d.url, event: d.event.eventId }),
    failedMessage: 'webhook delivery gave up',
  });
  return {
    async close() {
      await alerts.close();
      await deliveries.close();
    },
  };
}

/** Whether a webhook subscribes to an event (severity floor, types). */
export function wants(hook: WebhookConfig, e: EventRecord): boolean {
  if (hook.types && !hook.types.includes(e.type)) return false;
  return SEVERITIES.indexOf(e.severity) >= SEVERITIES.indexOf(hook.minSeverity ?? 'info');
}

/** One POST; throws (so BullMQ retries) on a network error, a timeout or a non-2xx answer. */
export async function deliver(
  d: { url: string; headers: Record<string, string>; timeoutMs: number },
  event: EventRecord,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(d.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'cityflow-alerts', ...d.headers },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(d.timeoutMs),
    });
  } catch (e) {
    const reason =
      e instanceof Error && e.name === 'TimeoutError' ? `no answer in ${d.timeoutMs} ms` : String(e);
    throw new Error(`webhook ${d.url}: ${reason}`);
  }
  await res.body?.cancel();
  if (res.ok) return;
  const message = `webhook ${d.url} answered ${res.status} ${res.statusText}`;
  // The receiver refuses this payload: sending it again changes nothing.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw new UnrecoverableError(message);
  }
  throw new Error(message);
}
