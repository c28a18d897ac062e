import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SOURCE = join(import.meta.dirname, 'rtsp-server.c');

/** Whether the RTSP server can be built here (headers of libgstrtspserver-1.0-dev, gcc, pkg-config). */
export async function rtspServerBuildable(): Promise<string | null> {
  try {
    await run('pkg-config', ['--exists', 'gstreamer-rtsp-server-1.0']);
    await run('gcc', ['--version']);
    return null;
  } catch {
    return 'libgstrtspserver-1.0-dev, gcc or pkg-config missing (infra/setup.sh --test installs them)';
  }
}

/** Compiles test/helpers/rtsp-server.c once per content (cached in the temp folder); returns the binary. */
export async function buildRtspServer(): Promise<string> {
  const c = readFileSync(SOURCE);
  const dir = join(tmpdir(), 'cityflow-test-bin');
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, `rtsp-server-${createHash('sha256').update(c).digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  const flags = (await run('pkg-config', ['--cflags', '--libs', 'gstreamer-rtsp-server-1.0'])).stdout
    .trim()
    .split(/\s+/);
  const tmp = `${bin}.${process.pid}`;
  await run('gcc', ['-O2', '-o', tmp, SOURCE, ...flags]);
  renameSync(tmp, bin); // atomic: parallel test files may build at the same time
  return bin;
}

/** The sample street (640×352 H.264) as an RTSP stream, in real time. */
export function fileLaunch(path: string): string {
  return `( filesrc location=${path} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )`;
}

/** A generated live picture (videotestsrc pattern) encoded on the fly, e.g. 'black' or 'ball'. */
export function patternLaunch(pattern: string, width = 320, height = 240, fps = 10): string {
  return (
    `( videotestsrc is-live=true pattern=${pattern} ! video/x-raw,format=I420,width=${width},height=${height},framerate=${fps}/1 ` +
    `! x264enc speed-preset=ultrafast tune=zerolatency key-int-max=${fps} ! rtph264pay name=pay0 pt=96 config-interval=1 )`
  );
}

/**
 * A real RTSP camera on 127.0.0.1 for tests (libgstrtspserver), at `url` = rtsp://127.0.0.1:<port>/cam.
 * kill() / freeze() / thaw() / restart() act on the server process as a failing camera would.
 *
 * @example
 *   const cam = await RtspTestServer.start(fileLaunch(SAMPLE));
 *   cam.freeze();        // SIGSTOP: the connection stays open, nothing flows
 *   cam.thaw();
 *   cam.kill();          // SIGKILL: the connection drops
 *   await cam.restart(); // same port
 *   await cam.close();
 *
 *   // Played once: the first session gets the file to its end, later ones 404 Not Found.
 *   const once = await RtspTestServer.start(fileLaunch(SAMPLE), 0, { once: true });
 */
export class RtspTestServer {
  #child: ChildProcess | null = null;
  private constructor(
    readonly bin: string,
    readonly launch: string,
    public port: number,
    readonly once: boolean,
  ) {}

  static async start(launch: string, port = 0, opts: { once?: boolean } = {}): Promise<RtspTestServer> {
    const s = new RtspTestServer(await buildRtspServer(), launch, port, opts.once === true);
    await s.restart();
    return s;
  }

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/cam`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the server (again, on the same port once it has one). */
  async restart(): Promise<void> {
    const args = [String(this.port), this.launch, ...(this.once ? ['once'] : [])];
    // --pdeathsig: a server never outlives the test or bench that started it.
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', this.bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    this.port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`rtsp-server exited with ${code}: ${err}`)));
    });
  }

  kill(): void {
    this.#child?.kill('SIGKILL');
  }

  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.#child?.kill('SIGCONT');
  }

  async close(): Promise<void> {
    const c = this.#child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGCONT');
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }
}
