import { Type } from '@sinclair/typebox';

/**
 * The object classes the product reasons about. Detectors map their own label sets onto these
 * (a COCO model's "car" → car, "motorcycle" → motorcycle, ...); labels with no counterpart are dropped.
 */
export const PRODUCT_CLASSES = ['car', 'motorcycle', 'bus', 'truck', 'bicycle', 'person'] as const;
export type ProductClass = (typeof PRODUCT_CLASSES)[number];

export const VEHICLE_CLASSES: readonly ProductClass[] = ['car', 'motorcycle', 'bus', 'truck', 'bicycle'];

export function isProductClass(name: string): name is ProductClass {
  return (PRODUCT_CLASSES as readonly string[]).includes(name);
}

/** JSON Schema of one product class name (TypeBox). */
export const ProductClassSchema = Type.Union(PRODUCT_CLASSES.map((c) => Type.Literal(c)));
