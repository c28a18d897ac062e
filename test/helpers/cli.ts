import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLE = `${ROOT}samples/residential-street.mp4`;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `cityflow` command (bin/cityflow.mjs) in local mode: no REDIS_URL, no CLICKHOUSE_URL. */
export function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...base } = process.env;
    const child = spawn(process.execPath, [`${ROOT}bin/cityflow.mjs`, ...args], {
      cwd: ROOT,
      env: { ...base, LOG_LEVEL: 'warn', ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last stdout line parsed as JSON (the `--json` contract of demo). */
export function lastJson<T>(r: CliResult): T {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`no JSON on the last stdout line (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
