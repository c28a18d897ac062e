import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/**
 * File name extensions taken from a folder (case-insensitive). A file named explicitly is taken
 * whatever its name: if it is not media, it fails with the decoder's reason like any other.
 */
export const VIDEO_EXTENSIONS = [
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.ts',
  '.mts',
  '.m2ts',
  '.flv',
  '.mpg',
  '.mpeg',
] as const;

export interface ExpandedInputs {
  /** Absolute paths, sorted, each once. */
  files: string[];
  /** Inputs that named nothing usable, with the reason. */
  failures: Array<{ input: string; error: string }>;
}

/**
 * Turns the command line's inputs into files: a file is itself; a folder is every video file in it
 * and its sub-folders (by VIDEO_EXTENSIONS); anything else is a glob (`'/archive/cam07/2026-03-*.mp4'`,
 * `'**'` included). An input that matches nothing is a failure named with its reason, not an error:
 * the other inputs go on.
 */
export async function expandInputs(inputs: string[], cwd = process.cwd()): Promise<ExpandedInputs> {
  const files = new Set<string>();
  const failures: ExpandedInputs['failures'] = [];
  for (const input of inputs) {
    const path = resolve(cwd, input);
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      const found = videoFilesUnder(path);
      if (!found.length)
        failures.push({ input, error: `folder holds no video files (${VIDEO_EXTENSIONS.join(' ')})` });
      for (const f of found) files.add(f);
    } else if (st) {
      files.add(path);
    } else if (isDynamicPattern(input)) {
      const found = await glob(input, { cwd, absolute: true, onlyFiles: true });
      if (!found.length) failures.push({ input, error: 'the pattern matches no file' });
      for (const f of found) files.add(resolve(f));
    } else {
      failures.push({ input, error: 'no such file or folder' });
    }
  }
  return { files: [...files].sort(), failures };
}

function videoFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...videoFilesUnder(p));
    else if ((VIDEO_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}
