import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * An ONNX model (its bytes) with the image input's height and width, and every output dimension,
 * made symbolic, and the stored intermediate shapes (graph.value_info) dropped, so onnxruntime runs it
 * on any input size. YOLO-family detectors are fully convolutional: only the export fixed the size
 * (YOLOX-Nano's official export says [1,3,416,416] → [1,3549,85]), and run on a 416×256 input the
 * same weights give the [1,2184,85] grid of that size. Weights and operators are untouched. A model
 * with sizes baked into its operators (a Reshape to a constant grid) still fails, at its test run.
 *
 * @example
 *   const session = await ort.InferenceSession.create(shapeFree(readFileSync('yolox_nano.onnx'), 'nchw'));
 */
export function shapeFree(bytes: Uint8Array, layout: 'nchw' | 'nhwc'): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('the ONNX file has no graph');
  const initialisers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initialisers.has(i.name ?? ''));
  const dims = inputs[0]?.type?.tensorType?.shape?.dim;
  if (inputs.length !== 1 || !dims || dims.length !== 4)
    throw new Error('the model has no single 4-d image input');
  const [h, w] = layout === 'nchw' ? [2, 3] : [1, 2];
  dims[h] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'height' });
  dims[w] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'width' });
  for (const [o, output] of (graph.output ?? []).entries()) {
    const od = output.type?.tensorType?.shape?.dim ?? [];
    for (let k = 1; k < od.length; k++)
      od[k] = onnx.TensorShapeProto.Dimension.create({ dimParam: `out${o}_${k}` });
  }
  graph.valueInfo = [];
  return onnx.ModelProto.encode(model).finish();
}
