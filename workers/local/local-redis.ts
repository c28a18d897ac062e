import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** A private redis-server for local mode and tests: loopback only, no persistence, files under `dir`. */
export interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `redis-server` daemonized on a free loopback port and waits until it answers PING.
 * The daemon is stopped by `stop()`; callers register that on exit. Persistence is off: queue
 * state lives as long as the run (local mode is for one machine's session, not for durability).
 */
export async function startLocalRedis(dir: string): Promise<LocalRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const pidfile = join(dir, `redis-${port}.pid`);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--dir',
    dir,
    '--pidfile',
    pidfile,
    '--logfile',
    join(dir, `redis-${port}.log`),
    // BullMQ requires that Redis never evicts its keys.
    '--maxmemory-policy',
    'noeviction',
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) =>
      reject(
        new Error(`cannot start redis-server (is it installed? run: bash infra/setup.sh): ${e.message}`),
      ),
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-server exited ${code}: ${err}`)),
    );
  });
  const url = `redis://127.0.0.1:${port}`;
  // Wait on the port, not on the pid: exited daemons can linger as zombies here.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        break;
      }
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await sleep(50);
    }
  }
  return {
    url,
    port,
    async stop() {
      try {
        const pid = Number(readFileSync(pidfile, 'utf8').trim());
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(pidfile, { force: true });
    },
  };
}
