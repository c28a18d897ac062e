import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
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
 * Starts a private `redis-server` on a free loopback port and waits until it answers PING.
 *
 * It belongs to this process alone: it requires a random password that only this process knows
 * (in the returned url), so another local process cannot plant jobs or camera configurations in it;
 * and it runs in the foreground under `setpriv --pdeathsig TERM`, so it dies with this process even
 * when this one is SIGKILLed, instead of lingering with the queue data in it. `stop()` ends it
 * earlier. Persistence is off: queue state lives as long as the run (local mode is for one
 * machine's session, not for durability).
 */
export async function startLocalRedis(dir: string): Promise<LocalRedis> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const password = randomBytes(24).toString('hex');
  const pidfile = join(dir, `redis-${port}.pid`);
  // The password goes through stdin as a config line, not argv, where every local user could read it.
  const args = [
    '-',
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
    '--pidfile',
    pidfile,
    '--logfile',
    join(dir, `redis-${port}.log`),
    // BullMQ requires that Redis never evicts its keys.
    '--maxmemory-policy',
    'noeviction',
  ];
  const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'redis-server', ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  child.stdin.end(`requirepass ${password}\n`);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const failed = new Promise<never>((_, reject) => {
    child.on('error', (e) =>
      reject(
        new Error(`cannot start redis-server (is it installed? run: bash infra/setup.sh): ${e.message}`),
      ),
    );
    void exited.then((code) => reject(new Error(`redis-server exited ${code} at start: ${err.trim()}`)));
  });
  failed.catch(() => {});
  // It must not keep this process alive by itself: stop() or this process's end ends it.
  child.unref();
  (child.stderr as Socket).unref();
  const url = `redis://:${password}@127.0.0.1:${port}`;
  await Promise.race([answers(url, port), failed]);
  return {
    url,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      rmSync(pidfile, { force: true });
    },
  };
}

/** Resolves once Redis at url answers PING (within 10 s). */
async function answers(url: string, port: number): Promise<void> {
  // Wait on the port, not on the pid: exited processes can linger as zombies here.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        return;
      }
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await sleep(50);
    }
  }
}
