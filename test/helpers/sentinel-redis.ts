import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../workers/local/local-redis.ts';
import { redisAnswers, terminate } from './persistent-redis.ts';
import { until } from './until.ts';

/**
 * A Redis master, one replica and one Sentinel (quorum 1) on loopback ports, started by a test with
 * Debian's redis-server (the Sentinel is redis-server --sentinel).
 */
export class SentinelRedis {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly dir: string,
    readonly ports: { master: number; replica: number; sentinel: number },
  ) {}

  static async start(dir: string, name = 'cityflow'): Promise<SentinelRedis> {
    mkdirSync(dir, { recursive: true });
    const ports = { master: await freePort(), replica: await freePort(), sentinel: await freePort() };
    const r = new SentinelRedis(dir, ports);
    const node = (port: number, extra: string[] = []) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--dbfilename',
      `dump-${port}.rdb`,
      '--maxmemory-policy',
      'noeviction',
      ...extra,
    ];
    r.spawn('redis-server', node(ports.master));
    r.spawn('redis-server', node(ports.replica, ['--replicaof', '127.0.0.1', String(ports.master)]));
    await redisAnswers(ports.master);
    await redisAnswers(ports.replica);
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${ports.sentinel}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${ports.master} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    // redis-sentinel is redis-server in Sentinel mode; the flag needs no extra package.
    r.spawn('redis-server', [conf, '--sentinel']);
    await redisAnswers(ports.sentinel);
    // The Sentinel knows the replica once it has asked the master (INFO every 10 s at most).
    await until(
      'the sentinel to see the replica',
      async () => ((await r.sentinel('REPLICAS', name)) as unknown[]).length > 0,
      20_000,
      250,
    );
    return r;
  }

  url(name = 'cityflow'): string {
    return `redis+sentinel://127.0.0.1:${this.ports.sentinel}/${name}`;
  }

  async masterPort(name = 'cityflow'): Promise<number> {
    const [, port] = (await this.sentinel('GET-MASTER-ADDR-BY-NAME', name)) as string[];
    return Number(port);
  }

  /** Forces a failover (SENTINEL FAILOVER): the replica becomes the master. */
  async failover(name = 'cityflow'): Promise<void> {
    await this.sentinel('FAILOVER', name);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(terminate));
  }

  private async sentinel(...args: string[]): Promise<unknown> {
    const c = new Redis({ host: '127.0.0.1', port: this.ports.sentinel, lazyConnect: true });
    try {
      await c.connect();
      return await c.call('SENTINEL', ...args);
    } finally {
      c.disconnect();
    }
  }

  private spawn(cmd: string, args: string[]): void {
    this.children.push(spawn('setpriv', ['--pdeathsig', 'TERM', '--', cmd, ...args], { stdio: 'ignore' }));
  }
}
