import { type GstStructure, parseGstStructure } from './gst-structure.ts';

/**
 * Incremental parser of a GStreamer Data Protocol (GDP 1.0) byte stream, what `gdppay` writes.
 *
 * Why GDP: a raw pipe of RGB frames loses the frame boundaries' timestamps; `gdppay` frames every
 * buffer with its PTS and sends the caps (width, height, format) and the events (segment, tags)
 * in-band, so `gst-launch-1.0 … ! gdppay ! fdsink fd=1` is a complete, self-describing frame
 * stream over stdout.
 *
 * Every packet is a 62-byte big-endian header followed by `payload length` bytes:
 *
 *   offset  size  field
 *   ──────  ────  ─────────────────────────────────────────────────────────────
 *        0     1  major version (1)
 *        1     1  minor version (0)
 *        2     1  flags: bit 0 = header CRC present, bit 1 = payload CRC present
 *        3     1  padding
 *        4     2  payload type: 1 buffer, 2 caps, 64 + GstEventType for events
 *        6     4  payload length
 *       10     8  PTS, ns (buffer, event); 0xFFFF_FFFF_FFFF_FFFF = GST_CLOCK_TIME_NONE
 *       18     8  duration, ns
 *       26     8  offset
 *       34     8  offset end
 *       42     2  buffer flags (DISCONT, DELTA_UNIT, …)
 *       44     8  DTS, ns
 *       52     6  (reserved)
 *       58     2  header CRC (CRC-16 CCITT over bytes 0..57, final XOR 0xFFFF), 0 if absent
 *       60     2  payload CRC, 0 if absent
 *   ┌──────────────── header 62 ────────────────┐┌──── payload ────┐┌── next header …
 *
 * Caps and event payloads are the NUL-terminated text of a GstStructure. Chunks from a pipe split
 * packets anywhere (headers included); the reader keeps the unconsumed chunks and only copies when
 * a payload spans chunks. It is pure: no I/O, no clocks.
 */

export const GDP_HEADER_LENGTH = 62;
export const GDP_PAYLOAD_BUFFER = 1;
export const GDP_PAYLOAD_CAPS = 2;
export const GDP_PAYLOAD_EVENT_NONE = 64;
/** GST_CLOCK_TIME_NONE as it appears on the wire. */
export const GST_CLOCK_TIME_NONE = 0xffff_ffff_ffff_ffffn;

const FLAG_CRC_HEADER = 1;
/** A sanity bound against allocating gigabytes after a corrupt length (8K RGB is ~100 MB). */
const MAX_PAYLOAD = 1 << 30;

export type GdpPacket = GdpBufferPacket | GdpCapsPacket | GdpEventPacket;

export interface GdpBufferPacket {
  kind: 'buffer';
  /** The buffer's bytes: a view into the reader's chunk when it fits in one, else a fresh copy. */
  payload: Buffer;
  /** Presentation time, ns; null for GST_CLOCK_TIME_NONE. */
  ptsNs: number | null;
  durationNs: number | null;
  dtsNs: number | null;
  /** GstBufferFlags (DISCONT = 0x40, DELTA_UNIT = 0x2000, …). */
  flags: number;
}

export interface GdpCapsPacket {
  kind: 'caps';
  /** The caps as GStreamer serialized them, e.g. `video/x-raw, width=(int)512, …`. */
  text: string;
  caps: GstStructure | null;
}

export interface GdpEventPacket {
  kind: 'event';
  /** GstEventType value (payload type − 64). */
  eventType: number;
  /** The event's structure name, e.g. `GstEventSegment`, `GstTagList-global`; '' when none. */
  name: string;
  text: string;
  structure: GstStructure | null;
}

/** The byte stream is not valid GDP (wrong version, bad CRC, absurd length) or ended mid-packet. */
export class GdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GdpError';
  }
}

export interface GdpReaderOptions {
  /**
   * Where a payload that spans chunks is copied to (default: a new buffer each time); e.g. a
   * BufferPool's alloc, for frames that are mostly dropped soon after.
   */
  alloc?: (n: number) => Buffer;
}

export class GdpReader {
  readonly #chunks: Buffer[] = [];
  readonly #alloc: (n: number) => Buffer;
  /** Bytes of `#chunks[0]` already consumed. */
  #head = 0;
  #available = 0;
  /** Header of the packet whose payload is still incomplete. */
  #pending: Buffer | null = null;
  #packets = 0;

  constructor(options: GdpReaderOptions = {}) {
    this.#alloc = options.alloc ?? ((n) => Buffer.allocUnsafe(n));
  }

  /** Bytes received but not yet returned as packets (bounded by one packet plus one chunk). */
  get bufferedBytes(): number {
    return this.#available + (this.#pending ? GDP_HEADER_LENGTH : 0);
  }

  /** Packets completed so far. */
  get packetCount(): number {
    return this.#packets;
  }

  /** Feeds bytes; returns the packets they complete, in stream order (possibly none). */
  push(chunk: Uint8Array): GdpPacket[] {
    if (chunk.byteLength > 0) {
      this.#chunks.push(
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      );
      this.#available += chunk.byteLength;
    }
    const out: GdpPacket[] = [];
    for (;;) {
      if (!this.#pending) {
        if (this.#available < GDP_HEADER_LENGTH) break;
        // Copy the header: it is small and must outlive the chunk it came from.
        this.#pending = Buffer.from(this.#take(GDP_HEADER_LENGTH));
        checkHeader(this.#pending, this.#packets);
      }
      const length = this.#pending.readUInt32BE(6);
      if (this.#available < length) break;
      const header = this.#pending;
      this.#pending = null;
      out.push(decodePacket(header, this.#take(length)));
      this.#packets++;
    }
    return out;
  }

  /** Declares the end of the stream; throws a GdpError if it stopped inside a packet. */
  end(): void {
    const left = this.bufferedBytes;
    if (left > 0) {
      const need = this.#pending ? GDP_HEADER_LENGTH + this.#pending.readUInt32BE(6) : GDP_HEADER_LENGTH;
      throw new GdpError(`stream ended inside packet ${this.#packets}: ${left} of ${need} bytes received`);
    }
  }

  /** Removes `n` bytes (n <= available) from the front; zero-copy when they lie in one chunk. */
  #take(n: number): Buffer {
    this.#available -= n;
    const first = this.#chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length - this.#head >= n) {
      const view = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
      return view;
    }
    const out = this.#alloc(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0];
      const m = Math.min(c.length - this.#head, n - filled);
      c.copy(out, filled, this.#head, this.#head + m);
      filled += m;
      this.#head += m;
      if (this.#head === c.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }
}

function checkHeader(h: Buffer, index: number): void {
  if (h[0] !== 1 || h[1] !== 0) {
    throw new GdpError(
      `packet ${index}: not a GDP 1.0 header (version ${h[0]}.${h[1]}); the stream is out of sync`,
    );
  }
  if (h[2] & FLAG_CRC_HEADER) {
    const want = h.readUInt16BE(58);
    const got = gdpCrc(h, 58);
    if (want !== got) {
      throw new GdpError(`packet ${index}: header CRC 0x${got.toString(16)} != 0x${want.toString(16)}`);
    }
  }
  const length = h.readUInt32BE(6);
  if (length > MAX_PAYLOAD) throw new GdpError(`packet ${index}: payload length ${length} is implausible`);
}

function decodePacket(h: Buffer, payload: Buffer): GdpPacket {
  const type = h.readUInt16BE(4);
  if (type === GDP_PAYLOAD_BUFFER) {
    return {
      kind: 'buffer',
      payload,
      ptsNs: clockTime(h.readBigUInt64BE(10)),
      durationNs: clockTime(h.readBigUInt64BE(18)),
      dtsNs: clockTime(h.readBigUInt64BE(44)),
      flags: h.readUInt16BE(42),
    };
  }
  const text = payload.toString('utf8').replace(/\0+$/, '');
  if (type === GDP_PAYLOAD_CAPS) return { kind: 'caps', text, caps: parseGstStructure(text) };
  if (type >= GDP_PAYLOAD_EVENT_NONE) {
    const structure = parseGstStructure(text);
    return {
      kind: 'event',
      eventType: type - GDP_PAYLOAD_EVENT_NONE,
      name: structure?.name ?? '',
      text,
      structure,
    };
  }
  throw new GdpError(`unknown GDP payload type ${type}`);
}

function clockTime(v: bigint): number | null {
  return v === GST_CLOCK_TIME_NONE ? null : Number(v);
}

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** GDP's CRC-16: CCITT polynomial 0x1021, initial 0xFFFF, final XOR 0xFFFF (as `gst_dp_crc`). */
export function gdpCrc(bytes: Uint8Array, length = bytes.length): number {
  let crc = 0xffff;
  for (let i = 0; i < length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]) & 0xff]) & 0xffff;
  return crc ^ 0xffff;
}

/**
 * Builds one GDP packet (with header CRC), as `gdppay` would. For tests and tools; the extractor
 * only reads.
 */
export function encodeGdpPacket(
  type: number,
  payload: Uint8Array,
  times: { ptsNs?: number | null; durationNs?: number | null; dtsNs?: number | null; flags?: number } = {},
): Buffer {
  const h = Buffer.alloc(GDP_HEADER_LENGTH);
  h[0] = 1;
  h[2] = FLAG_CRC_HEADER;
  h.writeUInt16BE(type, 4);
  h.writeUInt32BE(payload.byteLength, 6);
  const ns = (v: number | null | undefined) =>
    v === null || v === undefined ? GST_CLOCK_TIME_NONE : BigInt(v);
  h.writeBigUInt64BE(ns(times.ptsNs), 10);
  h.writeBigUInt64BE(ns(times.durationNs), 18);
  h.writeBigUInt64BE(GST_CLOCK_TIME_NONE, 26);
  h.writeBigUInt64BE(GST_CLOCK_TIME_NONE, 34);
  h.writeUInt16BE(times.flags ?? 0, 42);
  h.writeBigUInt64BE(ns(times.dtsNs), 44);
  h.writeUInt16BE(gdpCrc(h, 58), 58);
  return Buffer.concat([h, payload]);
}
