/**
 * Converts a TF.js graph model (model.json topology + weight files) to an ONNX ModelProto, for the
 * few op types that convolutional detectors such as MobileNetV3-CenterNet use. Anything else fails
 * with a ModelError naming the op and the node.
 *
 * Layout: TF graphs are NHWC, while ONNX Conv / Resize are NCHW only. Wrapping each conv in a pair of
 * Transposes would cost a copy per layer, so the converter transposes the input once (NHWC→NCHW),
 * keeps every intermediate tensor NCHW, rewrites what depends on the layout (conv kernels HWIO→OIHW,
 * depthwise kernels HWCM→(C·M)1HW, channel constants [C]→[1,C,1,1], Mean/Concat axes) and transposes
 * each output back to NHWC, so callers see the TF names and layouts. That is only sound when every
 * activation is 4-D, which holds for these graphs; ops that change the rank are not supported.
 * Naming: graph input/outputs keep their TF names (NHWC); the internal NCHW tensor of TF node X is
 * "X:0". The batch dimension is dynamic ('batch').
 */
import type * as TF from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { ModelError } from '../../errors/index.ts';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;

/** Bump when the produced graph changes: cached conversions are rebuilt. */
export const CONVERTER_VERSION = 1;
const OPSET = 18; // ReduceMean takes axes as an input; Resize has the `axes` attribute.

interface TfAttr {
  i?: string;
  b?: boolean;
  s?: string; // base64
  type?: string;
  list?: { i?: string[]; s?: string[] };
  shape?: { dim?: { size: string }[] };
}
interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
interface TfTensorInfo {
  tensorShape?: { dim?: { size: string }[] };
}
export interface TfjsGraphModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[];
  signature?: { inputs?: Record<string, TfTensorInfo>; outputs?: Record<string, TfTensorInfo> };
}
export interface ConvertOptions {
  /** Named in errors (ModelError.model). */
  modelName?: string;
  /** TF node names to expose as ONNX outputs; default: the signature's outputs. */
  outputs?: string[];
}

type Data = Float32Array | Int32Array;
interface Const {
  data: Data;
  shape: number[];
}

const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];
const str = (a?: TfAttr) => (a?.s === undefined ? undefined : Buffer.from(a.s, 'base64').toString());
const ints = (a?: TfAttr) => (a?.list?.i ?? []).map(Number);

/** Transposes a dense row-major array. */
function permute(c: Const, perm: number[]): Const {
  const shape = perm.map((p) => c.shape[p]);
  const inStrides = c.shape.map((_, i) => c.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new (c.data.constructor as new (n: number) => Data)(c.data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < shape.length; k++) src += idx[k] * inStrides[perm[k]];
    out[o] = c.data[src];
    for (let k = shape.length - 1; k >= 0 && ++idx[k] === shape[k]; k--) idx[k] = 0;
  }
  return { data: out, shape };
}

function tensorProto(name: string, c: Const, asInt64 = false): ITensor {
  const data = asInt64 ? BigInt64Array.from(c.data, (v) => BigInt(v)) : Float32Array.from(c.data);
  const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const dataType = asInt64 ? onnx.TensorProto.DataType.INT64 : onnx.TensorProto.DataType.FLOAT;
  return { name, dims: c.shape, dataType, rawData };
}

type Attrs = Record<string, number | number[] | string>;
function toAttribute(name: string, v: Attrs[string]): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  return Array.isArray(v) ? { name, type: T.INTS, ints: v } : { name, type: T.INT, i: v };
}

function valueInfo(name: string, dims: { size: string }[] | undefined): onnxProto.onnx.IValueInfoProto {
  // Dimension 0 becomes the dynamic 'batch'; unknown (-1) sizes get a symbolic name too.
  const dim = dims?.map((d, i) =>
    i > 0 && Number(d.size) > 0 ? { dimValue: Number(d.size) } : { dimParam: i === 0 ? 'batch' : `d${i}` },
  );
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: dim && { dim } } } };
}

/** Returns the serialized ONNX ModelProto. `weightData` is the concatenation of the manifest's files. */
export async function convertTfjsGraphToOnnx(
  model: TfjsGraphModelJson,
  weightData: ArrayBuffer,
  options: ConvertOptions = {},
): Promise<Uint8Array> {
  const modelName = options.modelName ?? 'tfjs-graph';
  const fail = (n: TfNode, why: string): never => {
    throw new ModelError(modelName, `cannot convert node ${n.name} (op ${n.op}): ${why}`);
  };
  // Weights come float16-quantized: let TF.js unpack them (loaded here only: importing it costs
  // ~0.4 s, which processes that just load the cached model should not pay). PROD silences its
  // "use tfjs-node" banner.
  const tf = await import('@tensorflow/tfjs');
  const prod = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  const consts = new Map<string, Const>();
  try {
    await tf.ready(); // whichever backend the process uses (cpu unless wasm was set up)
    const specs = model.weightsManifest.flatMap((g) => g.weights);
    for (const [name, t] of Object.entries(tf.io.decodeWeights(weightData, specs))) {
      consts.set(name, { data: t.dataSync() as Data, shape: t.shape });
      t.dispose();
    }
  } finally {
    tf.env().set('PROD', prod);
  }

  // Nodes the requested outputs depend on, in dependency order (the rest, e.g. a TopK decoding
  // branch, is dropped).
  const byName = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const outputs = options.outputs ?? Object.keys(model.signature?.outputs ?? {});
  const inputsOf = (n: TfNode) =>
    (n.input ?? [])
      .filter((s) => !s.startsWith('^')) // control dependencies carry no data
      .map((s) => {
        const [name, port = '0'] = s.split(':');
        if (port !== '0') fail(n, `reads output ${port} of ${name}; only single-output ops are supported`);
        return name;
      });
  const order: TfNode[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const n = byName.get(name);
    if (!n) throw new ModelError(modelName, `graph has no node ${name}`);
    for (const i of inputsOf(n)) visit(i);
    order.push(n);
  };
  for (const o of outputs) visit(o);

  const nodes: INode[] = [];
  const initializers = new Map<string, ITensor>();
  const graphInputs: onnxProto.onnx.IValueInfoProto[] = [];
  const alias = new Map<string, string>(); // TF node name → ONNX tensor name
  const emit = (opType: string, input: string[], output: string, attrs: Attrs = {}) => {
    const attribute = Object.entries(attrs).map(([k, v]) => toAttribute(k, v));
    nodes.push({ opType, input, output: [output], name: output, attribute });
    return output;
  };
  const init = (name: string, c: Const, asInt64 = false) => {
    if (!initializers.has(name)) initializers.set(name, tensorProto(name, c, asInt64));
    return name;
  };
  const constOf = (n: TfNode, name: string) => consts.get(name) ?? fail(n, `input ${name} is not a constant`);
  // An activation operand; a constant one gets the NCHW layout (scalars stay scalars).
  const tensor = (name: string) => {
    const c = consts.get(name);
    if (!c) return alias.get(name) ?? `${name}:0`;
    if (c.shape.length === 0) return init(name, c);
    const shape4 = [...new Array(4 - c.shape.length).fill(1), ...c.shape];
    return init(`${name}:nchw`, permute({ data: c.data, shape: shape4 }, [0, 3, 1, 2]));
  };
  const axis = (n: TfNode, a: number) =>
    a < -4 || a > 3 ? fail(n, `axis ${a} of a non-4-D tensor`) : NHWC_TO_NCHW_AXIS[(a + 4) % 4];
  const scalar = (v: number) => init(`const/${v}`, { data: Float32Array.of(v), shape: [] });
  const activation = (n: TfNode, op: string, x: string, out: string) => {
    if (op === 'Relu' || op === 'Sigmoid') return emit(op, [x], out);
    if (op === 'Relu6') return emit('Clip', [x, scalar(0), scalar(6)], out);
    return fail(n, `unsupported activation ${op}`);
  };

  for (const n of order) {
    const a = n.attr ?? {};
    const ins = inputsOf(n);
    const out = `${n.name}:0`;
    if ((str(a.data_format) ?? 'NHWC') !== 'NHWC') fail(n, `data_format ${str(a.data_format)}`);
    switch (n.op) {
      case 'Const':
        if (!consts.has(n.name)) fail(n, 'constant missing from the weights manifest');
        break;
      case 'Placeholder': {
        if (a.dtype?.type !== 'DT_FLOAT') fail(n, `input dtype ${a.dtype?.type}`);
        graphInputs.push(valueInfo(n.name, a.shape?.shape?.dim));
        emit('Transpose', [n.name], out, { perm: [0, 3, 1, 2] });
        break;
      }
      case 'Identity':
        alias.set(n.name, tensor(ins[0]));
        break;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        const fused = (a.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
        const [bias, act, ...rest] = fused;
        if ((bias !== undefined && bias !== 'BiasAdd') || rest.length)
          fail(n, `fused ops ${fused.join('+')}`);
        const w = constOf(n, ins[1]);
        const depthwise = n.op.includes('Depthwise');
        const [kh, kw, ci, co] = w.shape;
        // HWIO → OIHW; depthwise HWCM → CMHW, i.e. (C·M)×1×H×W with one group per input channel.
        const kernel = permute(w, depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
        if (depthwise) kernel.shape = [ci * co, 1, kh, kw];
        const padding = str(a.padding);
        if (padding !== 'SAME' && padding !== 'VALID') fail(n, `padding ${padding}`);
        const inputs = [tensor(ins[0]), init(`${ins[1]}:oihw`, kernel)];
        if (bias) inputs.push(init(ins[2], constOf(n, ins[2])));
        const conv = emit('Conv', inputs, act ? `${n.name}:conv` : out, {
          strides: ints(a.strides).slice(1, 3),
          dilations: a.dilations ? ints(a.dilations).slice(1, 3) : [1, 1],
          group: depthwise ? ci : 1,
          // TF's SAME puts the odd padding pixel at the end, like ONNX SAME_UPPER.
          ...(padding === 'SAME' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }),
        });
        if (act) activation(n, act, conv, out);
        break;
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
        emit(n.op === 'AddV2' ? 'Add' : n.op, [tensor(ins[0]), tensor(ins[1])], out);
        break;
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
        activation(n, n.op, tensor(ins[0]), out);
        break;
      case 'Mean': {
        if (!a.keep_dims?.b) fail(n, 'keep_dims=false changes the rank');
        const axes = Int32Array.from(constOf(n, ins[1]).data, (x) => axis(n, x));
        const axesInit = init(`${n.name}:axes`, { data: axes, shape: [axes.length] }, true);
        emit('ReduceMean', [tensor(ins[0]), axesInit], out, { keepdims: 1 });
        break;
      }
      case 'ResizeBilinear': {
        const size = constOf(n, ins[1]);
        let mode = 'asymmetric'; // TF's default: source x = output x · in/out
        if (a.half_pixel_centers?.b) mode = 'half_pixel';
        if (a.align_corners?.b) mode = 'align_corners';
        emit('Resize', [tensor(ins[0]), '', '', init(`${ins[1]}:int64`, size, true)], out, {
          mode: 'linear',
          axes: [2, 3],
          coordinate_transformation_mode: mode,
        });
        break;
      }
      case 'ConcatV2': {
        const ax = axis(n, constOf(n, ins[ins.length - 1]).data[0]);
        emit('Concat', ins.slice(0, -1).map(tensor), out, { axis: ax });
        break;
      }
      default:
        fail(n, 'unsupported op type');
    }
  }

  for (const o of outputs) emit('Transpose', [tensor(o)], o, { perm: [0, 2, 3, 1] });
  const graph = {
    name: modelName,
    node: nodes,
    initializer: [...initializers.values()],
    input: graphInputs,
    output: outputs.map((o) => valueInfo(o, model.signature?.outputs?.[o]?.tensorShape?.dim)),
  };
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'cityflow tfjs-graph-to-onnx',
    producerVersion: String(CONVERTER_VERSION),
    graph,
  }).finish();
}
