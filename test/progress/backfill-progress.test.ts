import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { BackfillProgress, type FileProgress } from '../../workers/backfill/backfill-progress.ts';

/** A terminal that keeps what is drawn on it (cli-progress redraws its bars in place). */
function terminal() {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
    {
      isTTY: true,
      columns: 160,
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
    },
  );
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => lines.join('') };
}

const file = (i: number, status: FileProgress['status'], frames = 0): FileProgress => ({
  file: `/archive/cam_part${String(i).padStart(3, '0')}.mp4`,
  frames,
  total: 120,
  status,
});

test('on a terminal, bars for the files in flight and the last five finished; queued files are only counted', async () => {
  const t = terminal();
  const progress = new BackfillProgress('bars', 2, t.stream);
  const files = Array.from({ length: 300 }, (_, i) => file(i, 'queued'));
  // Thirty files finish one after the other, two are running, the rest wait.
  for (let i = 0; i < 30; i++) {
    files[i] = file(i, 'done', 120);
    progress.update(files);
  }
  files[30] = file(30, 'running', 40);
  files[31] = file(31, 'running', 10);
  progress.update(files);
  // The bars on screen (cli-progress keeps them in its MultiBar, in drawing order).
  const multi = (progress as unknown as { multi: { bars: Array<{ payload: Record<string, string> }> } })
    .multi;
  const names = multi.bars.map((b) => b.payload.name.trim());
  expect(names.sort()).toEqual([
    'cam_part025.mp4',
    'cam_part026.mp4',
    'cam_part027.mp4',
    'cam_part028.mp4',
    'cam_part029.mp4',
    'cam_part030.mp4',
    'cam_part031.mp4',
    'overall',
  ]);
  expect(multi.bars.find((b) => b.payload.name.trim() === 'overall')?.payload.files).toBe('30/300 files');
  progress.stop();
  expect(t.text()).toContain('30/300 files');
});
