import { type Static, Type } from '@sinclair/typebox';
import { SceneConfig } from '../scene.ts';
import { CameraIdStrict, CameraIdValue } from './common.ts';

export const CameraSummary = Type.Object({
  cameraId: Type.String(),
  name: Type.String(),
  source: Type.String(),
  lines: Type.Integer({ description: 'counting lines in its scene' }),
  zones: Type.Integer({ description: 'zones in its scene' }),
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
