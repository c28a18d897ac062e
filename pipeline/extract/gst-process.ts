import { spawn } from 'node:child_process';

/**
 * Environment for GStreamer child processes: GStreamer's messages are matched as text (see
 * gst-stderr.ts), so they must come untranslated whatever the caller's locale is.
 */
export function gstChildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8' };
  delete env.LANGUAGE;
  return env;
}

export interface CapturedRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/**
 * Runs a short-lived command (argument array, no shell) and captures its output; kills it after
 * `timeoutMs`. Rejects only when the command cannot be started.
 */
export function runCapture(cmd: string, args: string[], timeoutMs: number): Promise<CapturedRun> {
  return new Promise((resolve, reject) => {
    // Dies with this process (setpriv --pdeathsig, as the decoders do): a probe left running by a
    // command that exits mid-plan must not outlive it.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: gstChildEnv(),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      // setpriv could not start the command itself (not installed): as spawn would have said.
      if (code === 127 && stderr.startsWith('setpriv: failed to execute')) {
        reject(new Error(stderr.trim().replace(/^setpriv: /, '')));
        return;
      }
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr, code, signal, timedOut });
    });
  });
}
