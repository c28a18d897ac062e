import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { drawDetections, type Rgb } from '../../pipeline/detect/annotate/draw.ts';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { EvidenceFrames, FrameResult } from '../../schemas/jobs.ts';

const HIGHLIGHT: Rgb = [255, 40, 40];
const OTHER: Rgb = [150, 150, 150];

/**
 * JPEG evidence for events: the segment frame nearest to each event's time, with the boxes of the
 * event's tracks drawn in red (labelled `#id class`) and the other objects in grey, written to
 * `<dir>/<camera>/<YYYY-MM-DD>/<eventId>.jpg`. Returns the events with `snapshot` set to that path
 * (unchanged where no frame is at hand). The frames are the segment's frames file, at detector
 * resolution; boxes (source pixels) are mapped into it with the segment's scale and offset.
 *
 * @example
 *   const withEvidence = await writeEvidence(events, job.evidence, job.frames, 'var/evidence', frameFiles);
 */
export async function writeEvidence(
  events: readonly EventRecord[],
  evidence: EvidenceFrames,
  frames: readonly FrameResult[],
  dir: string,
  frameFiles: FrameFiles,
): Promise<EventRecord[]> {
  if (!events.length || !frames.length) return [...events];
  const { frames: pixels } = await frameFiles.read(evidence.framesFile, {
    count: frames.length,
    width: evidence.width,
    height: evidence.height,
    scale: evidence.scale,
    ...(evidence.grey ? { grey: evidence.grey } : {}),
  });
  const ox = evidence.offset?.x ?? 0;
  const oy = evidence.offset?.y ?? 0;
  const out: EventRecord[] = [];
  for (const e of events) {
    let best = 0;
    for (let i = 1; i < frames.length; i++) {
      if (Math.abs(frames[i].tsMs - e.tsMs) < Math.abs(frames[best].tsMs - e.tsMs)) best = i;
    }
    const img = { width: evidence.width, height: evidence.height, data: Uint8Array.from(pixels[best].data) };
    const involved = new Set(e.trackIds);
    const detections: Detection[] = frames[best].detections.map((d) => ({
      cls: d.cls,
      // Drawn on top when involved (higher "score" draws last).
      score: involved.has(d.trackId ?? 0) ? 1 : 0,
      trackId: d.trackId ?? 0,
      box: {
        x: (d.box.x - ox) * evidence.scale,
        y: (d.box.y - oy) * evidence.scale,
        w: d.box.w * evidence.scale,
        h: d.box.h * evidence.scale,
      },
    }));
    drawDetections(img, detections, {
      colour: (d) => (involved.has(d.trackId ?? 0) ? HIGHLIGHT : OTHER),
      label: (d) => (d.trackId ? `#${d.trackId} ${d.cls}` : d.cls),
    });
    const path = await evidencePath(dir, e);
    await writeImage(img, path, { format: 'jpeg', quality: 85 });
    out.push({ ...e, snapshot: path });
  }
  return out;
}

/** Where an event's evidence JPEG goes, `<dir>/<camera>/<YYYY-MM-DD>/<eventId>.jpg`; the folder is made. */
export async function evidencePath(
  dir: string,
  e: Pick<EventRecord, 'cameraId' | 'eventId' | 'tsMs'>,
): Promise<string> {
  const folder = join(dir, safeName(e.cameraId), new Date(e.tsMs).toISOString().slice(0, 10));
  await mkdir(folder, { recursive: true });
  return join(folder, `${safeName(e.eventId)}.jpg`);
}

/** A name usable as one path component: anything but letters, digits, `_`, `.` and `-` becomes `_`. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}
