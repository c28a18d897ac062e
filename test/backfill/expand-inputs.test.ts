import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expandInputs } from '../../workers/backfill/expand-inputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of [
  'a/1.mp4',
  'a/2.MKV',
  'a/notes.txt',
  'a/deep/3.ts',
  'b/x.mov',
  'b/y.mp4',
  'empty/readme.md',
]) {
  mkdirSync(join(dir, f, '..'), { recursive: true });
  writeFileSync(join(dir, f), '');
}

describe('expandInputs', () => {
  test('a folder is its video files, sub-folders included; a file is itself whatever its name', async () => {
    const r = await expandInputs(['a', 'a/notes.txt'], dir);
    expect(r.files).toEqual(['a/1.mp4', 'a/2.MKV', 'a/deep/3.ts', 'a/notes.txt'].map((f) => join(dir, f)));
    expect(r.failures).toEqual([]);
  });

  test('globs expand, each file once, sorted', async () => {
    const r = await expandInputs(['b/*.mp4', '**/y.mp4', 'a/*.mp4'], dir);
    expect(r.files).toEqual([join(dir, 'a/1.mp4'), join(dir, 'b/y.mp4')]);
  });

  test('inputs that name nothing are failures with the reason; the rest go on', async () => {
    const r = await expandInputs(['missing.mp4', 'nothing/*.mkv', 'empty', 'b/x.mov'], dir);
    expect(r.files).toEqual([join(dir, 'b/x.mov')]);
    expect(r.failures).toEqual([
      { input: 'missing.mp4', error: 'no such file or folder' },
      { input: 'nothing/*.mkv', error: 'the pattern matches no file' },
      { input: 'empty', error: expect.stringMatching(/^folder holds no video files \(\.mp4 /) },
    ]);
  });
});
