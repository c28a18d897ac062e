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
