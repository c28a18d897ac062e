/**
 * Detection accuracy, PASCAL VOC style (VOC 2010+ devkit, `VOCevaldet` / `voc_ap`):
 *
 * Matching, per category, over all images at once:
 *   1. sort every detection of the category by score, highest first (ties keep input order);
 *   2. for each, find the ground-truth box of the category in the same image with the highest IoU;
 *   3. IoU ≥ 0.5 and that box is `difficult` → the detection is ignored (neither TP nor FP);
 *      IoU ≥ 0.5 and the box is not matched yet → true positive, the box is now matched;
 *      IoU ≥ 0.5 but the box was matched already (a duplicate) → false positive;
 *      IoU < 0.5 → false positive.
 *   Difficult boxes do not count in the number of positives, so missing them costs nothing.
 *
 * Precision after the k-th detection = TP / (TP + FP), recall = TP / positives.
 *
 * Average precision, all-point interpolation (VOC 2010+, not the 11-point VOC 2007 one): the
 * precision envelope p̂(r) = max precision at any recall ≥ r, integrated over recall:
 *
 *   AP = Σ_i (r_i − r_{i−1}) · p̂(r_i)      over the points where recall changes, r_0 = 0
 *
 * Recall never reached (the detector's score floor cuts the list) contributes 0, so AP is also
 * bounded by the highest recall the detections reach.
 *
 * A category is a set of classes: ['car'] (detections must say car to match a car), or the pooled
 * vehicles ['car', 'motorcycle', 'bus', 'truck', 'bicycle'], where any vehicle detection matches any
 * vehicle box (a pickup read as a car counts).
 */
import { iou } from '../../pipeline/geometry/box-iou.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { Box, Detection } from '../../schemas/detection.ts';

export interface GroundTruthObject {
  cls: ProductClass;
  box: Box;
  /** VOC's "difficult": neither required nor penalised (too small, mostly hidden, ambiguous). */
  difficult?: boolean;
}

/** One annotated image and what a model found in it (boxes in the same pixels). */
export interface EvalImage {
  id: string;
  groundTruth: GroundTruthObject[];
  detections: Detection[];
}

export interface CategoryResult {
  /** Ground-truth boxes that count (not difficult). */
  positives: number;
  /** Difficult boxes (ignored). */
  difficult: number;
  /** AP over every detection given (down to the score floor they were produced with), in [0, 1]. */
  ap: number;
  /** At the operating threshold (the model's own score threshold): */
  detections: number;
  tp: number;
  fp: number;
  /** TP / detections (1 when there are none). */
  precision: number;
  /** TP / positives (0 when there are none, with precision then meaningless). */
  recall: number;
  /** Highest recall reached over all detections given. */
  maxRecall: number;
}

export { iou };

/** VOC all-point interpolated AP from the recall/precision after each ranked detection. */
export function averagePrecision(recall: readonly number[], precision: readonly number[]): number {
  if (recall.length !== precision.length) throw new RangeError('recall and precision differ in length');
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) {
    if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  }
  return ap;
}

/** Outcome of each ranked detection: 1 TP, 0 FP, -1 ignored (matched a difficult box). */
export interface Ranked {
  score: number;
  outcome: 1 | 0 | -1;
}

/** VOC matching of the detections of one category (see the file comment). */
export function matchCategory(
  images: readonly EvalImage[],
  classes: readonly ProductClass[],
  iouThreshold = 0.5,
  keep: (d: Detection) => boolean = () => true,
): { ranked: Ranked[]; positives: number; difficult: number } {
  const inCat = new Set<ProductClass>(classes);
  let positives = 0;
  let difficult = 0;
  const gts = images.map((im) => {
    const g = im.groundTruth.filter((o) => inCat.has(o.cls));
    for (const o of g) o.difficult ? difficult++ : positives++;
    return { boxes: g, used: new Uint8Array(g.length) };
  });
  const dets: { img: number; d: Detection; order: number }[] = [];
  images.forEach((im, img) => {
    for (const d of im.detections) if (inCat.has(d.cls) && keep(d)) dets.push({ img, d, order: dets.length });
  });
  dets.sort((a, b) => b.d.score - a.d.score || a.order - b.order);
  const ranked: Ranked[] = [];
  for (const { img, d } of dets) {
    const g = gts[img];
    let best = -1;
    let bestIou = 0;
    g.boxes.forEach((o, j) => {
      const v = iou(d.box, o.box);
      if (v > bestIou) {
        bestIou = v;
        best = j;
      }
    });
    let outcome: Ranked['outcome'] = 0;
    if (best >= 0 && bestIou >= iouThreshold) {
      if (g.boxes[best].difficult) outcome = -1;
      else if (!g.used[best]) {
        g.used[best] = 1;
        outcome = 1;
      }
    }
    ranked.push({ score: d.score, outcome });
  }
  return { ranked, positives, difficult };
}

/** Precision/recall after each counted (non-ignored) detection. */
export function precisionRecall(ranked: readonly Ranked[], positives: number) {
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const r of ranked) {
    if (r.outcome === -1) continue;
    if (r.outcome === 1) tp++;
    else fp++;
    precision.push(tp / (tp + fp));
    recall.push(positives > 0 ? tp / positives : 0);
  }
  return { precision, recall, tp, fp };
}

/**
 * AP over all detections, precision and recall at the operating point: the detections a model
 * reports with its own thresholds (`operating(d)` true), matched on their own.
 */
export function evaluateCategory(
  images: readonly EvalImage[],
  classes: readonly ProductClass[],
  operating: (d: Detection) => boolean,
  iouThreshold = 0.5,
): CategoryResult {
  const all = matchCategory(images, classes, iouThreshold);
  const curve = precisionRecall(all.ranked, all.positives);
  const ap = all.positives > 0 ? averagePrecision(curve.recall, curve.precision) : 0;
  const op = matchCategory(images, classes, iouThreshold, operating);
  const at = precisionRecall(op.ranked, op.positives);
  const detections = at.tp + at.fp;
  return {
    positives: all.positives,
    difficult: all.difficult,
    ap,
    detections,
    tp: at.tp,
    fp: at.fp,
    precision: detections > 0 ? at.tp / detections : 1,
    recall: all.positives > 0 ? at.tp / all.positives : 0,
    maxRecall: curve.recall.length ? curve.recall[curve.recall.length - 1] : 0,
  };
}
