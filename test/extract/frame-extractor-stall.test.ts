import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { SAMPLE } from '../helpers/cli.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

test('a decoder that stops sending (frozen) is stopped after stallTimeoutMs; frames before it are kept', async () => {
  const x = new FrameExtractor({
    uri: SAMPLE,
    fps: 5,
    maxWidth: 256,
    maxHeight: 256,
    startTimeMs: 0,
    stallTimeoutMs: 1000,
  });
  let frames = 0;
  let pid = 0;
  let error: unknown;
  try {
    for await (const _ of x) {
      frames++;
      if (frames === 3) {
        pid = x.pid ?? 0;
        // Freeze it; the pipe holds at most a few frames, so the stream goes silent.
        process.kill(pid, 'SIGSTOP');
      }
    }
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SourceError);
  expect((error as SourceError).reason).toBe('decoder-exit');
  expect((error as SourceError).message).toMatch(/sent nothing for 1 s .*\(stalled\)/);
  expect(frames).toBeGreaterThanOrEqual(3);
  expect(frames).toBeLessThan(189);
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(pid)).toBe(false);
});

test('time the consumer spends not pulling is not a stall', async () => {
  const x = new FrameExtractor({
    uri: SAMPLE,
    fps: 1,
    maxWidth: 128,
    maxHeight: 128,
    startTimeMs: 0,
    stallTimeoutMs: 500,
  });
  let frames = 0;
  for await (const _ of x) {
    frames++;
    if (frames === 2) await new Promise((r) => setTimeout(r, 1500)); // a slow consumer: backpressure
  }
  expect(frames).toBeGreaterThanOrEqual(37);
});

test('a decoder slow to start (its first output late) is not a stall', async () => {
  const x = new FrameExtractor({
    uri: SAMPLE,
    fps: 1,
    maxWidth: 128,
    maxHeight: 128,
    startTimeMs: 0,
    stallTimeoutMs: 300,
  });
  await x.start();
  const pid = x.pid ?? 0;
  // Hold the decoder before it sends anything, for longer than stallTimeoutMs.
  process.kill(pid, 'SIGSTOP');
  setTimeout(() => process.kill(pid, 'SIGCONT'), 1200);
  let frames = 0;
  for await (const _ of x) frames++;
  expect(frames).toBeGreaterThanOrEqual(37);
});
