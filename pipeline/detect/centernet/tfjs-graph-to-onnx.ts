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
  const consts = await decodeConstants(model, weightData);
  const outputs = options.outputs ?? Object.keys(model.signature?.outputs ?? {});
  const order = dependencyOrder(model, outputs, modelName);
  const b = new GraphBuilder(modelName, consts);
  for (const n of order) convertNode(b, n);

  for (const o of outputs) b.emit('Transpose', [b.tensor(o)], o, { perm: [0, 2, 3, 1] });
  const graph = {
    name: modelName,
    node: b.nodes,
    initializer: [...b.initializers.values()],
    input: b.graphInputs,
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

/** The model's weights, decoded to plain arrays by TF.js, by name. */
async function decodeConstants(
  model: TfjsGraphModelJson,
  weightData: ArrayBuffer,
): Promise<Map<string, Const>> {
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
  return consts;
}

/** Throws the ModelError for a node that cannot be converted. */
function failNode(modelName: string, n: TfNode, why: string): never {
  throw new ModelError(modelName, `cannot convert node ${n.name} (op ${n.op}): ${why}`);
}

/** The names of the nodes whose (single) output node n reads. */
function inputsOf(modelName: string, n: TfNode): string[] {
  return (n.input ?? [])
    .filter((s) => !s.startsWith('^')) // control dependencies carry no data
    .map((s) => {
      const [name, port = '0'] = s.split(':');
      if (port !== '0')
        failNode(modelName, n, `reads output ${port} of ${name}; only single-output ops are supported`);
      return name;
    });
}

/**
 * Nodes the requested outputs depend on, in dependency order (the rest, e.g. a TopK decoding
 * branch, is dropped).
 */
function dependencyOrder(model: TfjsGraphModelJson, outputs: string[], modelName: string): TfNode[] {
  const byName = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const order: TfNode[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const n = byName.get(name);
    if (!n) throw new ModelError(modelName, `graph has no node ${name}`);
    for (const i of inputsOf(modelName, n)) visit(i);
    order.push(n);
  };
  for (const o of outputs) visit(o);
  return order;
}

/** The ONNX graph being built from the TF nodes: its nodes, initializers and inputs. */
class GraphBuilder {
  readonly nodes: INode[] = [];
  readonly initializers = new Map<string, ITensor>();
  readonly graphInputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly alias = new Map<string, string>(); // TF node name → ONNX tensor name

  constructor(
    readonly modelName: string,
    readonly consts: Map<string, Const>,
  ) {}

  /** Throws the ModelError for a node that cannot be converted. */
  fail(n: TfNode, why: string): never {
    return failNode(this.modelName, n, why);
  }

  /** Adds an ONNX node with one output; returns the output's name. */
  emit(opType: string, input: string[], output: string, attrs: Attrs = {}): string {
    const attribute = Object.entries(attrs).map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ opType, input, output: [output], name: output, attribute });
    return output;
  }

  /** Adds an initializer (once per name); returns its name. */
  init(name: string, c: Const, asInt64 = false): string {
    if (!this.initializers.has(name)) this.initializers.set(name, tensorProto(name, c, asInt64));
    return name;
  }

  /** The constant input `name` of node n; fails if it is not one. */
  constOf(n: TfNode, name: string): Const {
    return this.consts.get(name) ?? this.fail(n, `input ${name} is not a constant`);
  }

  /** An activation operand; a constant one gets the NCHW layout (scalars stay scalars). */
  tensor(name: string): string {
    const c = this.consts.get(name);
    if (!c) return this.alias.get(name) ?? `${name}:0`;
    if (c.shape.length === 0) return this.init(name, c);
    const shape4 = [...new Array(4 - c.shape.length).fill(1), ...c.shape];
    return this.init(`${name}:nchw`, permute({ data: c.data, shape: shape4 }, [0, 3, 1, 2]));
  }

  /** The NCHW axis of NHWC axis a (negative counts from the end). */
  axis(n: TfNode, a: number): number {
    return a < -4 || a > 3 ? this.fail(n, `axis ${a} of a non-4-D tensor`) : NHWC_TO_NCHW_AXIS[(a + 4) % 4];
  }

  /** A float scalar initializer; returns its name. */
  scalar(v: number): string {
    return this.init(`const/${v}`, { data: Float32Array.of(v), shape: [] });
  }

  /** Emits activation op (Relu, Relu6 or Sigmoid) of x as out. */
  activation(n: TfNode, op: string, x: string, out: string): string {
    if (op === 'Relu' || op === 'Sigmoid') return this.emit(op, [x], out);
    if (op === 'Relu6') return this.emit('Clip', [x, this.scalar(0), this.scalar(6)], out);
    return this.fail(n, `unsupported activation ${op}`);
  }
}

/** Emits the ONNX nodes of one TF node (none for constants and identities). */
function convertNode(b: GraphBuilder, n: TfNode): void {
  const a = n.attr ?? {};
  const ins = inputsOf(b.modelName, n);
  const out = `${n.name}:0`;
  if ((str(a.data_format) ?? 'NHWC') !== 'NHWC') b.fail(n, `data_format ${str(a.data_format)}`);
  switch (n.op) {
    case 'Const':
      if (!b.consts.has(n.name)) b.fail(n, 'constant missing from the weights manifest');
      break;
    case 'Placeholder': {
      if (a.dtype?.type !== 'DT_FLOAT') b.fail(n, `input dtype ${a.dtype?.type}`);
      b.graphInputs.push(valueInfo(n.name, a.shape?.shape?.dim));
      b.emit('Transpose', [n.name], out, { perm: [0, 3, 1, 2] });
      break;
    }
    case 'Identity':
      b.alias.set(n.name, b.tensor(ins[0]));
      break;
    case 'Conv2D':
    case '_FusedConv2D':
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative':
      convertConv(b, n, ins, out);
      break;
    case 'Add':
    case 'AddV2':
    case 'Sub':
    case 'Mul':
      b.emit(n.op === 'AddV2' ? 'Add' : n.op, [b.tensor(ins[0]), b.tensor(ins[1])], out);
      break;
    case 'Relu':
    case 'Relu6':
    case 'Sigmoid':
      b.activation(n, n.op, b.tensor(ins[0]), out);
      break;
    case 'Mean': {
      if (!a.keep_dims?.b) b.fail(n, 'keep_dims=false changes the rank');
      const axes = Int32Array.from(b.constOf(n, ins[1]).data, (x) => b.axis(n, x));
      const axesInit = b.init(`${n.name}:axes`, { data: axes, shape: [axes.length] }, true);
      b.emit('ReduceMean', [b.tensor(ins[0]), axesInit], out, { keepdims: 1 });
      break;
    }
    case 'ResizeBilinear': {
      const size = b.constOf(n, ins[1]);
      let mode = 'asymmetric'; // TF's default: source x = output x · in/out
      if (a.half_pixel_centers?.b) mode = 'half_pixel';
      if (a.align_corners?.b) mode = 'align_corners';
      b.emit('Resize', [b.tensor(ins[0]), '', '', b.init(`${ins[1]}:int64`, size, true)], out, {
        mode: 'linear',
        axes: [2, 3],
        coordinate_transformation_mode: mode,
      });
      break;
    }
    case 'ConcatV2': {
      const ax = b.axis(n, b.constOf(n, ins[ins.length - 1]).data[0]);
      b.emit(
        'Concat',
        ins.slice(0, -1).map((i) => b.tensor(i)),
        out,
        { axis: ax },
      );
      break;
    }
    default:
      b.fail(n, 'unsupported op type');
  }
}

/** Emits a (depthwise) convolution with its fused bias and activation, kernel in the ONNX layout. */
function convertConv(b: GraphBuilder, n: TfNode, ins: string[], out: string): void {
  const a = n.attr ?? {};
  const fused = (a.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
  const [bias, act, ...rest] = fused;
  if ((bias !== undefined && bias !== 'BiasAdd') || rest.length) b.fail(n, `fused ops ${fused.join('+')}`);
  const w = b.constOf(n, ins[1]);
  const depthwise = n.op.includes('Depthwise');
  const [kh, kw, ci, co] = w.shape;
  // HWIO → OIHW; depthwise HWCM → CMHW, i.e. (C·M)×1×H×W with one group per input channel.
  const kernel = permute(w, depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
  if (depthwise) kernel.shape = [ci * co, 1, kh, kw];
  const padding = str(a.padding);
  if (padding !== 'SAME' && padding !== 'VALID') b.fail(n, `padding ${padding}`);
  const inputs = [b.tensor(ins[0]), b.init(`${ins[1]}:oihw`, kernel)];
  if (bias) inputs.push(b.init(ins[2], b.constOf(n, ins[2])));
  const conv = b.emit('Conv', inputs, act ? `${n.name}:conv` : out, {
    strides: ints(a.strides).slice(1, 3),
    dilations: a.dilations ? ints(a.dilations).slice(1, 3) : [1, 1],
    group: depthwise ? ci : 1,
    // TF's SAME puts the odd padding pixel at the end, like ONNX SAME_UPPER.
    ...(padding === 'SAME' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }),
  });
  if (act) b.activation(n, act, conv, out);
}
