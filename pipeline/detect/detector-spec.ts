import type { CenternetDetectorOptions } from './centernet/centernet-detector.ts';
import type { Detector } from './detector.ts';

/** A serialisable description of a detector, so another thread can build the same one. */
export type DetectorSpec = { model: 'centernet'; options?: CenternetDetectorOptions };

export async function createDetector(spec: DetectorSpec): Promise<Detector> {
  switch (spec.model) {
    case 'centernet': {
      const { CenternetDetector } = await import('./centernet/centernet-detector.ts');
      return CenternetDetector.create(spec.options ?? {});
    }
    default:
      throw new Error(`unknown detector model "${(spec as { model: string }).model}"`);
  }
}
