import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A plain HTTP server on 127.0.0.1 that can be stopped (every connection cut) and started again on its port. */
class RestartableServer {
  #server: Server | null = null;
  #sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly handler: (url: string, res: ServerResponse) => void) {}
  async start(): Promise<void> {
    const server = createServer((req, res) => this.handler(req.url ?? '/', res));
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
    this.#server = null;
  }
}

/**
 * An MJPEG camera: `multipart/x-mixed-replace` JPEGs over HTTP (what many IP cameras serve at
 * /video.mjpg), looping over frames of the sample decoded once with GStreamer's jpegenc.
 */
export class MjpegTestCamera {
  readonly dir = mkdtempSync(join(tmpdir(), 'cityflow-mjpeg-'));
  #jpegs: Buffer[] = [];
  #timers = new Set<NodeJS.Timeout>();
  readonly server = new RestartableServer((_url, res) => this.#serve(res));

  static async start(sample: string, fps = 5): Promise<MjpegTestCamera> {
    const cam = new MjpegTestCamera(fps);
    await run('gst-launch-1.0', [
      '-q',
      'filesrc',
      `location=${sample}`,
      '!',
      'decodebin',
      '!',
      'videorate',
      '!',
      'video/x-raw,framerate=5/1',
      '!',
      'videoconvert',
      '!',
      'jpegenc',
      'quality=70',
      '!',
      'multifilesink',
      `location=${join(cam.dir, '%04d.jpg')}`,
      'max-files=60',
    ]);
    cam.#jpegs = readdirSync(cam.dir)
      .sort()
      .map((f) => readFileSync(join(cam.dir, f)));
    await cam.server.start();
    return cam;
  }

  private constructor(readonly fps: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.server.port}/video.mjpg`;
  }

  #serve(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'multipart/x-mixed-replace; boundary=frame',
      'cache-control': 'no-cache',
    });
    let i = 0;
    const t = setInterval(() => {
      const jpeg = this.#jpegs[i++ % this.#jpegs.length];
      res.write(`--frame\r\ncontent-type: image/jpeg\r\ncontent-length: ${jpeg.length}\r\n\r\n`);
      res.write(jpeg);
      res.write('\r\n');
    }, 1000 / this.fps);
    this.#timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      this.#timers.delete(t);
    });
  }

  async close(): Promise<void> {
    await this.server.stop();
    for (const t of this.#timers) clearInterval(t);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An HLS camera: gst-launch-1.0 encodes a live test picture into a rolling HLS playlist with hlssink2
 * (1 s segments), and a static HTTP server serves that folder.
 */
export class HlsTestCamera {
  readonly dir = mkdtempSync(join(tmpdir(), 'cityflow-hls-'));
  #gst: ChildProcess | null = null;
  readonly server = new RestartableServer((url, res) => {
    const name = url.split('?')[0].replace(/^\/+/, '');
    try {
      if (name.includes('/') || name.includes('..')) throw new Error('bad name');
      const body = readFileSync(join(this.dir, name));
      const type = extname(name) === '.m3u8' ? 'application/vnd.apple.mpegurl' : 'video/mp2t';
      res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });

  static async start(): Promise<HlsTestCamera> {
    const cam = new HlsTestCamera();
    cam.#gst = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        'is-live=true',
        'pattern=ball',
        '!',
        'video/x-raw,format=I420,width=320,height=240,framerate=10/1',
        '!',
        'x264enc',
        'speed-preset=ultrafast',
        'tune=zerolatency',
        'key-int-max=10',
        '!',
        'h264parse',
        '!',
        'hlssink2',
        `location=${join(cam.dir, 'seg%05d.ts')}`,
        `playlist-location=${join(cam.dir, 'live.m3u8')}`,
        'target-duration=1',
        'max-files=10',
        'playlist-length=5',
      ],
      { stdio: 'ignore' },
    );
    await cam.server.start();
    // Wait until the playlist lists a few segments.
    for (let i = 0; i < 100; i++) {
      try {
        if ((readFileSync(join(cam.dir, 'live.m3u8'), 'utf8').match(/\.ts/g) ?? []).length >= 2) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    return cam;
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}/live.m3u8`;
  }

  async close(): Promise<void> {
    this.#gst?.kill('SIGKILL');
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
