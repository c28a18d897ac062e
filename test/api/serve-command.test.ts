import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { ApiKeyFileError, ApiKeyStore } from '../../workers/api/auth/api-keys.ts';
import { freePort } from '../../workers/local/local-redis.ts';
import { cli, ROOT, SAMPLE } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('`keys` manages hashed keys; `serve` opens the store, answers with a key, refuses a revoked one, stops on SIGTERM', async () => {
  const data = join(dir, 'var');
  const created = await cli(['keys', 'create', '--role', 'analyst', '--name', 'tests', '--data-dir', data]);
  expect(created.code, created.stderr).toBe(0);
  const key = created.stdout.trim();
  expect(key).toMatch(/^cfk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const file = join(data, 'api-keys.json');
  // The secret is everything after cfk_<id>_ (base64url: it may itself hold '_').
  expect(readFileSync(file, 'utf8')).not.toContain(key.slice('cfk_'.length + 13)); // only the hash is stored
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const listed = JSON.parse((await cli(['keys', 'list', '--json', '--data-dir', data])).stdout);
  expect(listed).toEqual([expect.objectContaining({ role: 'analyst', name: 'tests' })]);
  expect(listed[0]).not.toHaveProperty('sha256');
  const badRole = await cli(['keys', 'create', '--role', 'root', '--data-dir', data]);
  expect(badRole.code).toBe(1);
  expect(badRole.stderr).toMatch(/--role: unknown role "root"/);

  const port = await freePort();
  const server = spawn(
    process.execPath,
    [`${ROOT}bin/cityflow.mjs`, 'serve', '--port', String(port), '--data-dir', data],
    {
      env: { ...process.env, REDIS_URL: inject('redisUrl'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  server.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => server.on('close', r));
  try {
    for (let i = 0; i < 300 && !err.includes('API on'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(err).toContain(`API on http://127.0.0.1:${port} (store: embedded)`);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const ok = await fetch(`${base}/api/v1/cameras`, { headers: { 'x-api-key': key } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ cameras: [] });
    // While serve owns the embedded store, `query` goes through it.
    const q = await cli(['query', '--json', '--data-dir', data, 'SELECT count() AS n FROM traffic_measures']);
    expect(q.code, q.stderr).toBe(0);
    const revoked = await cli(['keys', 'revoke', listed[0].id, '--data-dir', data]);
    expect(revoked.stdout).toContain(`revoked ${listed[0].id}`);
    const refused = await fetch(`${base}/api/v1/cameras`, { headers: { 'x-api-key': key } });
    expect(refused.status).toBe(401);
  } finally {
    server.kill('SIGTERM');
  }
  expect(await exited, err).toBe(0);
});

test('while `run` owns the embedded store, `serve` reads through it', async () => {
  const data = join(dir, 'owned');
  const cfg = join(dir, 'owned.yaml');
  const startTime = new Date(Date.now() - 3600_000).toISOString();
  writeFileSync(
    cfg,
    `dataDir: owned\nextract: {fps: 1}\ncameras:\n  - {id: cam-o, source: ${SAMPLE}, startTime: "${startTime}"}\n`,
  );
  const key = (await cli(['keys', 'create', '--role', 'operator', '--data-dir', data])).stdout.trim();
  const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
  const spawnCli = (args: string[]) => {
    const child = spawn(process.execPath, [`${ROOT}bin/cityflow.mjs`, ...args], {
      env: { ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const out = { err: '', exited: new Promise<number | null>((r) => child.on('close', r)) };
    child.stderr.on('data', (d) => (out.err += d));
    return { child, out };
  };
  const run = spawnCli(['run', '--config', cfg]);
  let serve: ReturnType<typeof spawnCli> | undefined;
  try {
    const ownerFile = join(data, 'run', 'store-owner.json');
    for (let i = 0; i < 300 && !existsSync(ownerFile); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(ownerFile), run.out.err).toBe(true);
    const port = await freePort();
    serve = spawnCli(['serve', '--port', String(port), '--data-dir', data]);
    const s = serve;
    for (let i = 0; i < 300 && !s.out.err.includes('API on'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(s.out.err).toContain('(store: owner)');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    let frames: string | null = null;
    for (let i = 0; i < 100 && !frames; i++) {
      const status = await fetch(`${base}/api/v1/status`, { headers: { 'x-api-key': key } });
      expect(status.status).toBe(200);
      const body = (await status.json()) as {
        cameras: Array<{ cameraId: string; lastFrameAt: string | null }>;
      };
      frames = body.cameras.find((c) => c.cameraId === 'cam-o')?.lastFrameAt ?? null;
      if (!frames) await new Promise((r) => setTimeout(r, 300));
    }
    expect(frames).not.toBeNull(); // frames the running pipeline stored, read through its process
  } finally {
    serve?.child.kill('SIGTERM');
    run.child.kill('SIGTERM');
  }
  expect(await serve?.out.exited).toBe(0);
  expect(await run.out.exited).toBe(0);
});

test('a corrupt key file: `serve` refuses to start, naming the file; a server already running keeps its keys', async () => {
  const data = join(dir, 'corrupt');
  const created = await cli(['keys', 'create', '--role', 'admin', '--data-dir', data]);
  const key = created.stdout.trim();
  const file = join(data, 'api-keys.json');
  const store = new ApiKeyStore(file);
  expect(store.verify(key)?.role).toBe('admin');
  writeFileSync(file, '[{"id": "x", "role": "admin"'); // cut short, as by a full disk
  // A running server (its store has read the keys): the last good keys stay, the reason is kept.
  expect(store.verify(key)?.role).toBe('admin');
  expect(store.lastError?.message).toMatch(/api-keys\.json: not a valid API key file/);
  // A fresh start: a clear error naming the file, exit 1, before anything listens.
  expect(() => new ApiKeyStore(file).list()).toThrow(ApiKeyFileError);
  const r = await cli(['serve', '--port', String(await freePort()), '--data-dir', data], {
    REDIS_URL: inject('redisUrl'),
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/cityflow: .*api-keys\.json: not a valid API key file \(.*JSON/);
  writeFileSync(file, '{"keys": []}');
  expect(() => new ApiKeyStore(file).list()).toThrow(/expected a JSON array of keys/);
});
