import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { type LocalRedis, startLocalRedis } from '../workers/local/local-redis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

// One real redis-server for the whole test run; each test file uses its own queue prefix.
let redis: LocalRedis | undefined;
let dir: string | undefined;
let runTmp: string | undefined;

export async function setup(project: TestProject) {
  // Every temporary folder of the run (test files, the processes they start) goes under one folder
  // removed at teardown: vitest runs no hooks in a file whose tests are all skipped, so a file's own
  // afterAll cannot be relied on to clean up.
  runTmp = mkdtempSync(join(tmpdir(), 'cityflow-test-run-'));
  process.env.TMPDIR = runTmp;
  dir = mkdtempSync(join(runTmp, 'redis-'));
  redis = await startLocalRedis(dir);
  project.provide('redisUrl', redis.url);
}

export async function teardown() {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
}
