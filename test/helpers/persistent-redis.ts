import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from '../../workers/local/local-redis.ts';
import { until } from './until.ts';

const CONF = fileURLToPath(new URL('../../infra/redis.conf', import.meta.url));

/**
 * A redis-server with the production configuration (infra/redis.conf: AOF everysec, noeviction) on
 * a loopback port and data folder of its own, that a test can stop and start again on the same port
 * and data: a Redis restart.
 */
export class PersistentRedis {
  private child: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(dir: string): Promise<PersistentRedis> {
    mkdirSync(dir, { recursive: true });
    const r = new PersistentRedis(dir, await freePort());
    await r.restart();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    if (this.child) return;
    this.child = spawn(
      'setpriv',
      ['--pdeathsig', 'TERM', '--', 'redis-server', CONF, '--port', String(this.port), '--dir', this.dir],
      { stdio: 'ignore' },
    );
    await redisAnswers(this.port);
  }

  /** A clean shutdown (SIGTERM: the append-only file is flushed), as a service restart does. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child) await terminate(child);
  }
}

/** SIGTERM, and the process's exit (a redis-server then flushes its append-only file). */
export async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Waits (10 s at most) until a redis-server on this loopback port answers PING. */
export async function redisAnswers(port: number): Promise<void> {
  await until(
    `redis on ${port}`,
    async () => {
      const c = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      c.on('error', () => {}); // refused until it is up: expected here
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        c.disconnect();
      }
    },
    10_000,
  );
}
