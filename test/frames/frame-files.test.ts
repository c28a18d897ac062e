import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { FrameFiles, FramesPathError } from '../../pipeline/frames/frame-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-frames-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = (v: number) => ({ data: new Uint8Array(2 * 2 * 3).fill(v), width: 2, height: 2, scale: 1 });

test('write, read back and remove a segment file of the folder', async () => {
  const files = new FrameFiles(join(dir, 'a'));
  const path = await files.write('cam/1.mp4@12#0', [frame(1), frame(2)]);
  expect(files.owns(path)).toBe(true);
  const { frames: back } = await files.read(path, { count: 2, width: 2, height: 2, scale: 1 });
  expect([...back[1].data]).toEqual(new Array(12).fill(2));
  await expect(files.read(path, { count: 3, width: 2, height: 2, scale: 1 })).rejects.toThrow(
    /expected 3 frames/,
  );
  await files.remove(path);
  expect(existsSync(path)).toBe(false);
  await files.remove(path); // already gone: fine
});

test('grey motion frames travel after the RGB frames', async () => {
  const files = new FrameFiles(join(dir, 'g'));
  const grey = [0, 1, 2].map((v) => ({ data: new Uint8Array(3).fill(v), width: 3, height: 1 }));
  const path = await files.write('g#0', [frame(9)], grey);
  const back = await files.read(path, {
    count: 1,
    width: 2,
    height: 2,
    scale: 1,
    grey: { count: 3, width: 3, height: 1 },
  });
  expect([...back.frames[0].data]).toEqual(new Array(12).fill(9));
  expect(back.grey.map((g) => [...g.data])).toEqual([
    [0, 0, 0],
    [1, 1, 1],
    [2, 2, 2],
  ]);
});

test('paths outside the folder, through .., through a symbolic link or of another kind are refused and left alone', async () => {
  const files = new FrameFiles(join(dir, 'b'));
  const victim = join(dir, 'victim.rgb');
  writeFileSync(victim, 'precious');
  mkdirSync(join(dir, 'elsewhere'));
  const linked = join(dir, 'elsewhere', 'x.rgb');
  writeFileSync(linked, 'precious');
  symlinkSync(join(dir, 'elsewhere'), join(files.dir, 'link'));
  const other = join(files.dir, 'config.yaml');
  writeFileSync(other, 'precious');
  for (const path of [
    victim,
    join(files.dir, '..', 'victim.rgb'),
    join(files.dir, 'link', 'x.rgb'),
    other,
    '/etc/passwd',
    '',
  ]) {
    expect(files.owns(path)).toBe(false);
    await expect(files.remove(path)).rejects.toBeInstanceOf(FramesPathError);
    await expect(files.read(path, { count: 1, width: 2, height: 2, scale: 1 })).rejects.toThrow(
      /is not a frames file in/,
    );
  }
  for (const p of [victim, linked, other]) expect(existsSync(p)).toBe(true);
});
