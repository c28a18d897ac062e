import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { BufferPool, releaseOnce } from '../../pipeline/extract/buffer-pool.ts';
import {
  encodeGdpPacket,
  GDP_PAYLOAD_BUFFER,
  GDP_PAYLOAD_CAPS,
  GDP_PAYLOAD_EVENT_NONE,
  GdpError,
  type GdpPacket,
  GdpReader,
  gdpCrc,
} from '../../pipeline/extract/gdp-reader.ts';

const CAPS = 'video/x-raw, width=(int)3, height=(int)2, framerate=(fraction)5/1, format=(string)RGB';
const SEGMENT =
  'GstEventSegment, segment=(GstSegment)"segment\\,\\ flags\\=\\(GstSegmentFlags\\)GST_SEGMENT_FLAG_NONE\\,\\ start\\=\\(guint64\\)125000000\\,\\ base\\=\\(guint64\\)0\\;";';

function text(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

/** A small stream: caps, a segment event, three buffers (one without PTS), as gdppay lays it out. */
function sampleStream(): { bytes: Buffer; payloads: Buffer[] } {
  const payloads = [0, 1, 2].map((i) => Buffer.alloc(24, i + 1)); // 3x2 RGB, stride 12 (9 + 3 padding)
  const bytes = Buffer.concat([
    encodeGdpPacket(GDP_PAYLOAD_CAPS, text(CAPS), { ptsNs: 0, durationNs: 0 }),
    encodeGdpPacket(GDP_PAYLOAD_EVENT_NONE + 0x460e, text(SEGMENT)),
    encodeGdpPacket(GDP_PAYLOAD_BUFFER, payloads[0], { ptsNs: 0, durationNs: 200_000_000 }),
    encodeGdpPacket(GDP_PAYLOAD_BUFFER, payloads[1], { ptsNs: 200_000_000, durationNs: 200_000_000 }),
    encodeGdpPacket(GDP_PAYLOAD_BUFFER, payloads[2], { ptsNs: null, flags: 0x40 }),
  ]);
  return { bytes, payloads };
}

function feed(reader: GdpReader, bytes: Buffer, cuts: number[]): GdpPacket[] {
  const out: GdpPacket[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...reader.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return out;
}

function check(packets: GdpPacket[], payloads: Buffer[]): void {
  expect(packets.map((p) => p.kind)).toEqual(['caps', 'event', 'buffer', 'buffer', 'buffer']);
  const [caps, ev, b0, b1, b2] = packets;
  if (
    caps.kind !== 'caps' ||
    ev.kind !== 'event' ||
    b0.kind !== 'buffer' ||
    b1.kind !== 'buffer' ||
    b2.kind !== 'buffer'
  ) {
    throw new Error('kinds');
  }
  expect(caps.text).toBe(CAPS);
  expect(caps.caps?.name).toBe('video/x-raw');
  expect(caps.caps?.fields.get('width')).toBe('3');
  expect(caps.caps?.fields.get('format')).toBe('RGB');
  expect(ev.name).toBe('GstEventSegment');
  expect(ev.eventType).toBe(0x460e);
  expect(b0.ptsNs).toBe(0);
  expect(b0.durationNs).toBe(200_000_000);
  expect(b1.ptsNs).toBe(200_000_000);
  expect(b2.ptsNs).toBeNull();
  expect(b2.flags).toBe(0x40);
  expect([b0.payload, b1.payload, b2.payload]).toEqual(payloads);
}

describe('GdpReader', () => {
  test('parses a whole stream in one chunk', () => {
    const { bytes, payloads } = sampleStream();
    const r = new GdpReader();
    check(r.push(bytes), payloads);
    expect(r.bufferedBytes).toBe(0);
    expect(r.packetCount).toBe(5);
    r.end();
  });

  test('copies payloads that span chunks into buffers from its alloc, reused once released', () => {
    const { bytes, payloads } = sampleStream();
    const pool = new BufferPool(2);
    const r = new GdpReader({ alloc: (n) => pool.alloc(n) });
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1); // every payload spans chunks
    const packets = feed(r, bytes, cuts);
    check(packets, payloads);
    const frames = packets.flatMap((p) => (p.kind === 'buffer' ? [p.payload] : []));
    // Dropped frames give their buffers back; the next ones of that size are written into them.
    pool.release(frames[0]);
    pool.release(frames[0]); // twice: kept once
    pool.release(Buffer.alloc(24)); // not the pool's: ignored
    expect(pool.size).toBe(1);
    const again = feed(r, encodeGdpPacket(GDP_PAYLOAD_BUFFER, Buffer.alloc(24, 9), { ptsNs: 0 }), [70]);
    const [p] = again;
    if (p.kind !== 'buffer') throw new Error('kind');
    expect(p.payload.buffer).toBe(frames[0].buffer);
    expect([...p.payload]).toEqual(Array(24).fill(9));
    expect(pool.size).toBe(0);
    expect(() => new BufferPool(-1)).toThrow(/max/);
  });

  test('releaseOnce: a frame released again after its buffer went to another frame does not free it', () => {
    const pool = new BufferPool(2);
    const a = pool.alloc(24);
    const release = releaseOnce(pool, a);
    release();
    const b = pool.alloc(24); // a's memory, now another frame's
    expect(b.buffer).toBe(a.buffer);
    release(); // a stale second call
    expect(pool.size).toBe(0);
    pool.release(a); // the bare pool would take it back: what releaseOnce guards against
    expect(pool.size).toBe(1);
  });

  test('byte by byte: headers and payloads split everywhere', () => {
    const { bytes, payloads } = sampleStream();
    const r = new GdpReader();
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    check(feed(r, bytes, cuts), payloads);
    r.end();
  });

  test('random chunkings give the same packets', () => {
    const { bytes, payloads } = sampleStream();
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial++) {
      const cuts = [
        ...new Set(Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * bytes.length))),
      ]
        .filter((c) => c > 0)
        .sort((a, b) => a - b);
      check(feed(new GdpReader(), bytes, cuts), payloads);
    }
  });

  test('splits at the exact header/payload boundaries', () => {
    const { bytes, payloads } = sampleStream();
    const capsLen = 62 + text(CAPS).length;
    check(feed(new GdpReader(), bytes, [61, 62, capsLen - 1, capsLen, capsLen + 62]), payloads);
  });

  test('a payload within one chunk is a view; one spanning chunks is a copy', () => {
    const { bytes } = sampleStream();
    const r = new GdpReader();
    const buffers = r.push(bytes).filter((p) => p.kind === 'buffer');
    expect(buffers[0].kind === 'buffer' && buffers[0].payload.buffer).toBe(bytes.buffer);
  });

  test('end() inside a packet throws, naming how much arrived', () => {
    const { bytes } = sampleStream();
    const r = new GdpReader();
    r.push(bytes.subarray(0, bytes.length - 5));
    expect(() => r.end()).toThrow(GdpError);
    expect(() => r.end()).toThrow(/stream ended inside packet 4: 81 of 86 bytes/);
  });

  test('a corrupted header is detected by its CRC; a wrong version as out of sync', () => {
    const { bytes } = sampleStream();
    const bad = Buffer.from(bytes);
    bad[8] ^= 0x01; // payload length of the caps packet
    expect(() => new GdpReader().push(bad)).toThrow(/header CRC/);
    const garbage = Buffer.from(bytes);
    garbage[0] = 0x57; // e.g. text printed on stdout
    expect(() => new GdpReader().push(garbage)).toThrow(/not a GDP 1.0 header/);
  });

  test('CRC matches gst_dp_crc (CRC-16/GENIBUS check value)', () => {
    // CRC-16 CCITT, init 0xFFFF, final XOR 0xFFFF: check("123456789") = 0xD64E.
    expect(gdpCrc(Buffer.from('123456789'))).toBe(0xd64e);
  });

  test('reads what gdppay really writes, split into odd chunks', async () => {
    const { stdout } = await promisify(execFile)(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        'num-buffers=4',
        '!',
        'video/x-raw,format=RGB,width=7,height=5,framerate=10/1',
        '!',
        'gdppay',
        '!',
        'fdsink',
        'fd=1',
      ],
      { encoding: 'buffer' },
    );
    const r = new GdpReader();
    const packets = feed(
      r,
      stdout,
      Array.from({ length: Math.floor(stdout.length / 37) }, (_, i) => (i + 1) * 37),
    );
    r.end();
    const caps = packets.find((p) => p.kind === 'caps');
    expect(caps?.kind === 'caps' && caps.caps?.fields.get('width')).toBe('7');
    const buffers = packets.flatMap((p) => (p.kind === 'buffer' ? [p] : []));
    expect(buffers.map((b) => b.ptsNs)).toEqual([0, 100e6, 200e6, 300e6]);
    // RGB rows of 7 px = 21 bytes are padded to a stride of 24.
    expect(buffers.every((b) => b.payload.length === 24 * 5)).toBe(true);
    const events = packets.flatMap((p) => (p.kind === 'event' ? [p.name] : []));
    expect(events).toContain('GstEventStreamStart');
    expect(events).toContain('GstEventSegment');
  });
});
