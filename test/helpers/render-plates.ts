import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A plate to paint: its lines of text, where (CSS pixels = picture pixels), and its size. */
export interface PaintedPlate {
  lines: string[];
  x: number;
  y: number;
  w: number;
  h: number;
  fontPx: number;
}

/**
 * Paints Vietnamese-style plates (black characters on a light plate with a dark border, one or two
 * lines, DejaVu Sans Condensed Bold) onto a real photo in headless Chromium and saves a PNG of the
 * photo's size: test material for plate reading where no photo of such plates is at hand.
 */
export async function paintPlates(
  photo: string,
  size: { width: number; height: number },
  plates: PaintedPlate[],
  out: string,
): Promise<void> {
  const b64 = readFileSync(photo).toString('base64');
  const html = `<body style="margin:0;width:${size.width}px;height:${size.height}px;background:url(data:image/jpeg;base64,${b64}) no-repeat 0 0">${plates
    .map(
      (p) =>
        `<div style="position:absolute;left:${p.x}px;top:${p.y}px;width:${p.w}px;height:${p.h}px;box-sizing:border-box;` +
        `background:#f2f2ec;border:${Math.max(2, Math.round(p.h / 20))}px solid #151515;border-radius:${Math.round(p.h / 12)}px;` +
        'display:flex;flex-direction:column;justify-content:center;align-items:center;' +
        `font:bold ${p.fontPx}px 'DejaVu Sans Condensed','DejaVu Sans';color:#151515;line-height:1.05">` +
        `${p.lines.map((l) => `<div>${l}</div>`).join('')}</div>`,
    )
    .join('')}</body>`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: size });
    await page.setContent(html);
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

/**
 * A short H.264 MP4 of a real photo moving across a grey frame (a vehicle driving past), made in
 * headless Chromium frame by frame and encoded with GStreamer: footage with a readable plate where
 * the bundled clips have none. The photo is drawn at `scale`, moving `stepPx` per frame.
 */
export async function movingPhotoClip(
  photo: string,
  out: string,
  o: {
    width: number;
    height: number;
    fps: number;
    frames: number;
    scale: number;
    stepPx: number;
    photoWidth: number;
  },
): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-clip-'));
  const mime = photo.endsWith('.png') ? 'image/png' : 'image/jpeg';
  const b64 = readFileSync(photo).toString('base64');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: o.width, height: o.height } });
    await page.setContent(
      `<body style="margin:0;background:#6b6b66;overflow:hidden"><img id="v" src="data:${mime};base64,${b64}" ` +
        `style="position:absolute;top:${Math.round(o.height * 0.1)}px;width:${Math.round(o.photoWidth * o.scale)}px"></body>`,
    );
    for (let i = 0; i < o.frames; i++) {
      await page.evaluate(`document.getElementById('v').style.left = '${-200 + i * o.stepPx}px'`);
      await page.screenshot({ path: join(dir, `f${String(i).padStart(3, '0')}.png`) });
    }
  } finally {
    await browser.close();
  }
  await new Promise<void>((resolve, reject) =>
    execFile(
      'gst-launch-1.0',
      [
        '-q',
        'multifilesrc',
        `location=${join(dir, 'f%03d.png')}`,
        'index=0',
        `caps=image/png,framerate=${o.fps}/1`,
        '!',
        'pngdec',
        '!',
        'videoconvert',
        '!',
        'video/x-raw,format=I420',
        '!',
        'x264enc',
        'speed-preset=ultrafast',
        'key-int-max=10',
        '!',
        'h264parse',
        '!',
        'mp4mux',
        '!',
        'filesink',
        `location=${out}`,
      ],
      { timeout: 60_000 },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** The footage the plate tests share: eu1.jpg's car with `51F-678.90` painted over its plate, driving across. */
export async function paintedCarClip(
  photosDir: string,
  out: string,
  o: { frames: number; stepPx: number },
): Promise<void> {
  const { join } = await import('node:path');
  const painted = `${out}.png`;
  await paintPlates(
    join(photosDir, 'eu1.jpg'),
    { width: 1000, height: 750 },
    [{ lines: ['51F-678.90'], x: 392, y: 336, w: 212, h: 54, fontPx: 36 }],
    painted,
  );
  await movingPhotoClip(painted, out, {
    width: 1280,
    height: 720,
    fps: 10,
    frames: o.frames,
    scale: 0.6,
    stepPx: o.stepPx,
    photoWidth: 1000,
  });
}
