import { type Static, Type } from '@sinclair/typebox';
import { CameraPlaceKeys } from '../place.ts';
import { SceneConfig } from '../scene.ts';
import { CameraIdStrict, CameraIdValue } from './common.ts';

/** A camera's place: the configuration's keys (schemas/place.ts), each absent when not given. */
export const CameraPlaceBody = Type.Object(CameraPlaceKeys, { additionalProperties: false });
export type CameraPlaceBody = Static<typeof CameraPlaceBody>;

export const CameraSummary = Type.Object({
  cameraId: Type.String(),
  name: Type.String(),
  source: Type.String(),
  lines: Type.Integer({ description: 'counting lines in its scene' }),
  zones: Type.Integer({ description: 'zones in its scene' }),
  place: CameraPlaceBody,
  updatedAt: Type.String({ format: 'date-time' }),
});

export const PlaceAnswer = Type.Object({
  cameraId: Type.String(),
  place: CameraPlaceBody,
  updatedAt: Type.String({ format: 'date-time' }),
});
export const CameraList = Type.Object({ cameras: Type.Array(CameraSummary) });
export type CameraList = Static<typeof CameraList>;

export const CameraParams = Type.Object({ id: CameraIdValue }, { additionalProperties: false });
export const CameraWriteParams = Type.Object({ id: CameraIdStrict }, { additionalProperties: false });

export const SceneAnswer = Type.Object({
  cameraId: Type.String(),
  /** null: the camera has no scene (no lines, zones or calibration). */
  scene: Type.Union([SceneConfig, Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type SceneAnswer = Static<typeof SceneAnswer>;
