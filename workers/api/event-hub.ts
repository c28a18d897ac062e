import { EventEmitter } from 'node:events';
import type { EventRecord } from '../../schemas/events.ts';
import { createRedis, type RedisClient } from '../redis-client.ts';
import { redisKeys } from '../redis-keys.ts';

/**
 * One Redis subscription to the events channel (`<prefix>:events`, schemas/events.ts), fanned out
 * to every Server-Sent Events client of this API process. A message that is not JSON is dropped
 * (logged by the caller through `onBadMessage`), so one bad publisher cannot break the stream.
 */
export class EventHub extends EventEmitter<{ event: [EventRecord] }> {
  private constructor(private readonly sub: RedisClient) {
    super();
    this.setMaxListeners(0); // one listener per connected client
  }

  static async start(
    redisUrl: string,
    prefix: string,
    onBadMessage: (raw: string) => void,
  ): Promise<EventHub> {
    const sub = createRedis(redisUrl);
    const hub = new EventHub(sub);
    sub.on('message', (_channel, raw: string) => {
      try {
        hub.emit('event', JSON.parse(raw) as EventRecord);
      } catch {
        onBadMessage(raw);
      }
    });
    sub.on('error', () => {}); // ioredis reconnects and re-subscribes by itself
    await sub.subscribe(redisKeys(prefix).events);
    return hub;
  }

  async close(): Promise<void> {
    this.removeAllListeners();
    this.sub.disconnect();
  }
}
