import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../workers/local/local-redis.ts';
import { redisAnswers, terminate } from './persistent-redis.ts';
import { until } from './until.ts';

/**
 * A Redis Cluster of three masters on loopback ports, started by a test with Debian's
 * redis-server and joined with `redis-cli --cluster create` (no replicas: the slots are what
 * matter to a client).
 */
export class RedisCluster {
  private readonly children: ChildProcess[] = [];

  private constructor(readonly ports: number[]) {}

  static async start(dir: string): Promise<RedisCluster> {
    mkdirSync(dir, { recursive: true });
    const ports = [await freePort(), await freePort(), await freePort()];
    const c = new RedisCluster(ports);
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'];
      args.push(
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      );
      c.children.push(
        spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'redis-server', ...args], { stdio: 'ignore' }),
      );
    }
    for (const port of ports) await redisAnswers(port);
    execFileSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      {
        stdio: 'ignore',
      },
    );
    await until(
      'the cluster to be ok',
      async () => {
        const r = new Redis({ host: '127.0.0.1', port: ports[0], lazyConnect: true });
        try {
          await r.connect();
          return String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
        } finally {
          r.disconnect();
        }
      },
      20_000,
      200,
    );
    return c;
  }

  url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(terminate));
  }
}
