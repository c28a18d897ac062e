/**
 * How a detection model is declared in the configuration (`models:`), and how the detector stage
 * picks one (`detector.model: <name>`). Two models are built in: `yolox-nano` (the default; YOLOX-Nano,
 * committed in models/ with its licence) and `centernet` (it ships with npm ci). Users add their own,
 * most often YOLO-family ONNX exports (the built-in `yolox-nano` is one such declaration, 416×416,
 * its file in models/). A declaration named like a built-in changes only the keys it gives (`input`
 * key by key) and keeps the built-in's others, its file included (`yolox-nano: { scoreThreshold: 0.4 }`):
 *
 *   models:
 *     yolox-s:
 *       file: /models/yolox_s.onnx
 *       format: yolox                 # output layout: yolox [1, N, 5+C] | yolov8 [1, 4+C, N] | centernet
 *       input: { width: 640, height: 640, layout: nchw }
 *       colour: bgr                   # channel order the model was trained on
 *       pixelScale: 1                 # 0-255 pixel values are multiplied by this (YOLOv8: 0.00392156862745098)
 *       padValue: 114                 # letterbox fill, 0-255
 *       labels: coco                  # the model's label list: 'coco' (the 80 COCO names) or a list
 *       scoreThreshold: { default: 0.3, person: 0.4 }
 *       nmsIou: 0.45
 *   detector:
 *     model: yolox-s                  # default: yolox-nano
 *
 * A model's labels map onto the product's classes through `classMap` (default: COCO's person,
 * bicycle, car, motorcycle, bus, truck); labels outside the map are dropped.
 */
import { type Static, Type } from '@sinclair/typebox';
import { PRODUCT_CLASSES, type ProductClass, ProductClassSchema } from './classes.ts';

/** The model `detector.model` names when the configuration (or the command line) names none. */
export const DEFAULT_MODEL = 'yolox-nano';

/**
 * `{ default?: x, <class>?: x }`. A Record keyed by a literal union would make every key required (and
 * TypeBox cannot infer its static type from the mapped union), so the JSON schema is built as a partial
 * object and its static type given explicitly.
 */
const ThresholdByClass = Type.Unsafe<Partial<Record<'default' | ProductClass, number>>>(
  Type.Partial(
    Type.Record(
      Type.Union([Type.Literal('default'), ...PRODUCT_CLASSES.map((c) => Type.Literal(c))]),
      Type.Number({ minimum: 0, maximum: 1 }),
    ),
    { additionalProperties: false },
  ),
);

export const ModelFormat = Type.Union([
  Type.Literal('centernet'),
  Type.Literal('yolox'),
  Type.Literal('yolov8'),
]);
export type ModelFormat = Static<typeof ModelFormat>;

export const ModelSpec = Type.Object(
  {
    /** Model file (.onnx; for backend tfjs, a TF.js graph model.json). Relative to the config file. */
    file: Type.Optional(Type.String({ minLength: 1 })),
    format: ModelFormat,
    backend: Type.Union([Type.Literal('onnxruntime'), Type.Literal('tfjs')], { default: 'onnxruntime' }),
    /** onnxruntime execution provider; cuda and tensorrt need a GPU host with CUDA 13 and cuDNN 9. */
    executionProvider: Type.Union([Type.Literal('cpu'), Type.Literal('cuda'), Type.Literal('tensorrt')], {
      default: 'cpu',
    }),
    input: Type.Object(
      {
        width: Type.Integer({ minimum: 16, maximum: 4096 }),
        height: Type.Integer({ minimum: 16, maximum: 4096 }),
        layout: Type.Union([Type.Literal('nchw'), Type.Literal('nhwc')], { default: 'nchw' }),
        /**
         * ONNX only: run each batch at its frames' size rounded up to 32 (at most width × height)
         * rather than padded to the whole box: a 16:9 frame in a 416×416 box is a 416×256 input, 62 %
         * of the work. A model exported with a fixed size is made shape-free when loaded.
         */
        fitFrame: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    colour: Type.Union([Type.Literal('rgb'), Type.Literal('bgr')], { default: 'rgb' }),
    pixelScale: Type.Number({ exclusiveMinimum: 0, default: 1 }),
    /** Per-channel mean and std applied after pixelScale, in the model's channel order. */
    mean: Type.Optional(Type.Array(Type.Number(), { minItems: 3, maxItems: 3 })),
    std: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 3, maxItems: 3 })),
    padValue: Type.Integer({ minimum: 0, maximum: 255, default: 114 }),
    labels: Type.Union([Type.Literal('coco'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: 'coco',
    }),
    /** model label → product class; default maps COCO's person, bicycle, car, motorcycle, bus, truck. */
    classMap: Type.Optional(Type.Record(Type.String(), ProductClassSchema)),
    /** One threshold, or per product class with a `default` for the rest (all keys optional). */
    scoreThreshold: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), ThresholdByClass], { default: 0.3 }),
    /**
     * With tracking on, boxes scoring from this up to `scoreThreshold` also go to the tracker; one a
     * track takes up is kept (a vehicle in shade, blurred or half hidden), the rest are dropped.
     * Unset: none (`cityflow detect` and a pipeline without tracking never see them).
     */
    trackThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    nmsIou: Type.Number({ minimum: 0, maximum: 1, default: 0.45 }),
  },
  { additionalProperties: false },
);
export type ModelSpec = Static<typeof ModelSpec>;

/** The 80 COCO labels in the order COCO-trained YOLO/CenterNet models emit them. */
export const COCO_LABELS = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
] as const;

/** Default label → product class map for COCO models. */
export const COCO_CLASS_MAP: Record<string, (typeof PRODUCT_CLASSES)[number]> = {
  person: 'person',
  bicycle: 'bicycle',
  car: 'car',
  motorcycle: 'motorcycle',
  bus: 'bus',
  truck: 'truck',
};
