import type { Box } from '../../schemas/detection.ts';
import type { RgbPicture } from '../extract/image-source.ts';
import { coveredShare, iou } from '../geometry/box-iou.ts';
import {
  detectedPlateCandidates,
  type PlateCandidateOptions,
  type PlateLayout,
  plateCandidates,
} from './plate-candidates.ts';
import { normalisePlate, type PlateText } from './plate-grammar.ts';
import type { PlateReader, RawPlateRead } from './plate-reader.ts';
import type { TextLocator } from './text-locator.ts';

/** A plate found and read in a picture. */
export interface FoundPlate extends PlateText {
  /** Mean slot confidence of the read (0-1). */
  confidence: number;
  layout: PlateLayout;
  /** In the picture's pixels. */
  box: Box;
  /** The characters as the reader gave them, before the grammar. */
  raw: string;
  /** Per character of `text`: the reader's confidence (the grammar keeps positions). */
  charConfidence: number[];
}

export interface PlateFinderOptions {
  /** Reads shorter than this are not plates; default 5. */
  minChars?: number;
  /** Reads below this mean slot confidence are dropped; default 0.8. */
  minConfidence?: number;
  /** Reads with any character below this confidence are dropped (a guessed character); default 0.5. */
  minCharConfidence?: number;
  /**
   * Reads without a digit are dropped (default true): every Vietnamese plate and almost every other
   * has one, while car badges and shop signs (CITROEN, NORTH) read with high confidence and would
   * match across cameras. Set false for regions with letter-only vanity plates.
   */
  requireDigit?: boolean;
  /**
   * Reads without a letter are dropped (default true): a digits-only read is most often the lower
   * line of a two-line plate read alone (`23456` of `59-X1 234.56`), and a partial plate would match
   * the wrong vehicles. Set false for regions with numeric plates.
   */
  requireLetter?: boolean;
  /** Grammar: 'VN' forces Vietnam's, 'auto' (default) tries it, 'none' keeps reads as they are. */
  country?: 'VN' | 'auto' | 'none';
  candidates?: PlateCandidateOptions;
}

/**
 * Finds and reads licence plates in a picture: text lines from the locator, plate-shaped candidates
 * (single lines and stacked pairs), one batched read, then filters, the plate grammar and removal of
 * overlapping duplicates (the most confident read of a place wins).
 *
 * @example
 *   const finder = new PlateFinder(await TextLocator.open(), await PlateReader.open());
 *   for (const p of await finder.find(picture)) console.log(p.display, p.confidence, p.box);
 */
export class PlateFinder {
  private readonly minChars: number;
  private readonly minConfidence: number;
  private readonly country: 'VN' | 'auto' | 'none';

  constructor(
    /** The text locator, or a plate detector (`findsPlates`: its boxes are plates, not text lines). */
    private readonly locator: Pick<TextLocator, 'locate'> & { readonly findsPlates?: boolean },
    private readonly reader: Pick<PlateReader, 'read'>,
    private readonly options: PlateFinderOptions = {},
  ) {
    this.minChars = options.minChars ?? 5;
    this.minConfidence = options.minConfidence ?? 0.8;
    this.country = options.country ?? 'auto';
    if (!Number.isInteger(this.minChars) || this.minChars < 1) {
      throw new RangeError(`minChars must be an integer ≥ 1, got ${this.minChars}`);
    }
    if (!(this.minConfidence >= 0 && this.minConfidence <= 1)) {
      throw new RangeError(`minConfidence must be in [0, 1], got ${this.minConfidence}`);
    }
  }

  async find(picture: RgbPicture): Promise<FoundPlate[]> {
    const boxes = await this.locator.locate(picture);
    const candidates = this.locator.findsPlates
      ? detectedPlateCandidates(boxes, this.options.candidates)
      : plateCandidates(boxes, this.options.candidates);
    const reads = await this.reader.read(
      picture,
      candidates.map((c) => c.box),
    );
    const found: FoundPlate[] = [];
    candidates.forEach((c, i) => {
      const p = this.accept(reads[i], c.layout, c.box);
      if (p) found.push(p);
    });
    return dedupe(found);
  }

  /** A read that passes the filters, normalised; null otherwise. */
  accept(read: RawPlateRead, layout: PlateLayout, box: Box): FoundPlate | null {
    if (read.text.length < this.minChars || read.confidence < this.minConfidence) return null;
    if (Math.min(...read.charConfidence) < (this.options.minCharConfidence ?? 0.5)) return null;
    if ((this.options.requireDigit ?? true) && !/[0-9]/.test(read.text)) return null;
    if ((this.options.requireLetter ?? true) && !/[A-Z]/.test(read.text)) return null;
    const country = this.country === 'auto' && read.region === 'Vietnam' ? 'VN' : this.country;
    return {
      ...normalisePlate(read.text, layout, country),
      confidence: read.confidence,
      layout,
      box,
      raw: read.text,
      charConfidence: read.charConfidence,
    };
  }
}

/**
 * Overlapping reads of one place: the most confident stays, except that a read containing another's
 * text replaces it (`59X123456` from both lines of a plate over `23456` from its lower line alone).
 */
export function dedupe(found: FoundPlate[]): FoundPlate[] {
  const kept: FoundPlate[] = [];
  for (const p of [...found].sort((a, b) => b.confidence - a.confidence)) {
    const i = kept.findIndex(
      (k) => iou(k.box, p.box) > 0.2 || contains(k.box, p.box) || contains(p.box, k.box),
    );
    if (i < 0) kept.push(p);
    else if (p.text.length > kept[i].text.length && p.text.includes(kept[i].text)) kept[i] = p;
  }
  return kept;
}

/** Whether most (80 %) of b lies inside a. */
function contains(a: Box, b: Box): boolean {
  return coveredShare(b, a) >= 0.8;
}
