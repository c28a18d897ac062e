import type { PlateDetectorConfig, PlatesConfig } from '../../schemas/plates.ts';
import { OnnxPlateLocator } from './onnx-plate-locator.ts';
import { PlateFinder } from './plate-finder.ts';
import { PlateReader } from './plate-reader.ts';
import { TextLocator } from './text-locator.ts';

/**
 * The plate models of a process, loaded once and shared: the reader, the text locator (loaded on
 * first use) and any plate detectors the cameras name (one per file). `finderFor` gives the
 * PlateFinder of a camera's settings.
 *
 * @example
 *   const models = await PlateModels.open();
 *   const finder = await models.finderFor({ country: 'VN', minConfidence: 0.8 });
 *   const plates = await finder.find(picture);
 *   await models.close();
 */
export class PlateModels {
  private text: Promise<TextLocator> | null = null;
  private readonly detectors = new Map<string, Promise<OnnxPlateLocator>>();

  private constructor(
    private readonly reader: PlateReader,
    private readonly threads: number,
  ) {}

  static async open(threads = 1): Promise<PlateModels> {
    return new PlateModels(await PlateReader.open({ threads }), threads);
  }

  async finderFor(
    o: Pick<PlatesConfig, 'country' | 'minConfidence'> & { detector?: PlateDetectorConfig },
  ): Promise<PlateFinder> {
    const locator = o.detector ? await this.detector(o.detector) : await this.textLocator();
    return new PlateFinder(locator, this.reader, { country: o.country, minConfidence: o.minConfidence });
  }

  async close(): Promise<void> {
    const all = [this.text, ...this.detectors.values()].filter((p) => p !== null);
    for (const p of all) await (await p.catch(() => null))?.close();
    await this.reader.close();
  }

  private textLocator(): Promise<TextLocator> {
    this.text ??= TextLocator.open({ threads: this.threads });
    return this.text;
  }

  private detector(d: PlateDetectorConfig): Promise<OnnxPlateLocator> {
    const key = JSON.stringify(d);
    let p = this.detectors.get(key);
    if (!p) {
      p = OnnxPlateLocator.open(d, this.threads);
      this.detectors.set(key, p);
      // A detector that failed to load is tried again next time (the file may be fixed).
      p.catch(() => this.detectors.delete(key));
    }
    return p;
  }
}
