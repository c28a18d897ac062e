import { matchWithLimit } from '../../pipeline/track/assignment.ts';
import { iou } from '../../pipeline/track/byte-tracker.ts';
import type { Box } from '../../schemas/detection.ts';

/** A box with an identity: a ground-truth object or a tracker hypothesis. */
export interface IdBox {
  id: number;
  box: Box;
}

export interface MotFrame {
  truth: IdBox[];
  hypotheses: IdBox[];
}

export interface MotResult {
  /** 1 − (FN + FP + IDSW) / GT (CLEAR MOT); may be negative. */
  mota: number;
  /** 2·IDTP / (2·IDTP + IDFP + IDFN) (Ristani et al., 2016). */
  idf1: number;
  /** Ground-truth boxes, summed over frames. */
  gt: number;
  /** Matched pairs (CLEAR MOT). */
  matches: number;
  fp: number;
  fn: number;
  idSwitches: number;
  idtp: number;
  idfp: number;
  idfn: number;
}

/**
 * CLEAR MOT (MOTA) and the identity measures (IDF1) of a tracker's output against ground truth, a
 * box matching when IoU ≥ minIou (default 0.5).
 *
 *   MOTA, per frame:  keep each truth's last matched id if it still matches ─▶ Hungarian on the rest
 *                     ─▶ FN = unmatched truth, FP = unmatched hypotheses,
 *                        IDSW = a truth object matched to another id than the last time it was matched
 *   IDF1, globally:   one-to-one map truth ids ↔ hypothesis ids maximising frames in which they match
 *                     ─▶ IDTP = those frames; IDFN = GT − IDTP; IDFP = hypotheses − IDTP
 *
 * @example
 *   const r = motMetrics(frames.map((f, i) => ({ truth: f.truth, hypotheses: out[i] })));
 *   console.log(r.mota, r.idf1, r.idSwitches);
 */
export function motMetrics(frames: MotFrame[], minIou = 0.5): MotResult {
  let gt = 0;
  let hyp = 0;
  let matches = 0;
  let fp = 0;
  let fn = 0;
  let idSwitches = 0;
  const lastMatch = new Map<number, number>(); // truth id → hypothesis id at its last match
  // IDF1 co-occurrence counts: "truthId hypId" → frames matched at IoU ≥ minIou.
  const pairFrames = new Map<number, Map<number, number>>();
  const truthFrames = new Map<number, number>();
  const hypFrames = new Map<number, number>();

  for (const f of frames) {
    gt += f.truth.length;
    hyp += f.hypotheses.length;
    for (const t of f.truth) truthFrames.set(t.id, (truthFrames.get(t.id) ?? 0) + 1);
    for (const h of f.hypotheses) hypFrames.set(h.id, (hypFrames.get(h.id) ?? 0) + 1);

    const rows = f.truth.length;
    const cols = f.hypotheses.length;
    const overlap = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const o = iou(f.truth[r].box, f.hypotheses[c].box);
        overlap[r * cols + c] = o;
        if (o >= minIou) {
          const tid = f.truth[r].id;
          let m = pairFrames.get(tid);
          if (!m) {
            m = new Map();
            pairFrames.set(tid, m);
          }
          const hid = f.hypotheses[c].id;
          m.set(hid, (m.get(hid) ?? 0) + 1);
        }
      }
    }
    // CLEAR MOT: a truth object keeps its last matched hypothesis while they still match.
    const pairs = new Map<number, number>();
    const rowDone = new Uint8Array(rows);
    const colDone = new Uint8Array(cols);
    for (let r = 0; r < rows; r++) {
      const want = lastMatch.get(f.truth[r].id);
      if (want === undefined) continue;
      const c = f.hypotheses.findIndex((h, i) => !colDone[i] && h.id === want);
      if (c >= 0 && overlap[r * cols + c] >= minIou) {
        rowDone[r] = 1;
        colDone[c] = 1;
        pairs.set(r, c);
      }
    }
    const freeRows = [...Array(rows).keys()].filter((r) => !rowDone[r]);
    const freeCols = [...Array(cols).keys()].filter((c) => !colDone[c]);
    const cost = new Float64Array(freeRows.length * freeCols.length);
    for (const [i, r] of freeRows.entries()) {
      for (const [j, c] of freeCols.entries()) {
        const o = overlap[r * cols + c];
        cost[i * freeCols.length + j] = o >= minIou ? 1 - o : Number.POSITIVE_INFINITY;
      }
    }
    for (const [i, j] of matchWithLimit(cost, freeRows.length, freeCols.length, 1 - minIou + 1e-12).matches) {
      pairs.set(freeRows[i], freeCols[j]);
    }
    for (const [r, c] of pairs) {
      const tid = f.truth[r].id;
      const hid = f.hypotheses[c].id;
      const last = lastMatch.get(tid);
      if (last !== undefined && last !== hid) idSwitches++;
      lastMatch.set(tid, hid);
    }
    matches += pairs.size;
    fn += rows - pairs.size;
    fp += cols - pairs.size;
  }

  // IDF1: maximum-weight bipartite matching of truth ids to hypothesis ids.
  const tids = [...truthFrames.keys()];
  const hids = [...hypFrames.keys()];
  const hIndex = new Map(hids.map((h, i) => [h, i]));
  const w = new Float64Array(tids.length * hids.length);
  for (const [i, t] of tids.entries()) {
    for (const [h, n] of pairFrames.get(t) ?? []) w[i * hids.length + (hIndex.get(h) ?? 0)] = -n;
  }
  let idtp = 0;
  for (const [i, j] of matchWithLimit(w, tids.length, hids.length, 0).matches) idtp -= w[i * hids.length + j];
  const idfn = gt - idtp;
  const idfp = hyp - idtp;
  return {
    mota: gt ? 1 - (fn + fp + idSwitches) / gt : 1,
    idf1: idtp + idfn + idfp ? (2 * idtp) / (2 * idtp + idfp + idfn) : 1,
    gt,
    matches,
    fp,
    fn,
    idSwitches,
    idtp,
    idfp,
    idfn,
  };
}
