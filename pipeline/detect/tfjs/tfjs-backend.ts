/**
 * Picks the TF.js backend once per process, at first use, best first:
 *
 *   1. `@tensorflow/tfjs-node-gpu`  libtensorflow with CUDA (backend name 'tensorflow')
 *   2. `@tensorflow/tfjs-node`      libtensorflow on the CPU  (backend name 'tensorflow')
 *   3. `@tensorflow/tfjs-backend-wasm`  XNNPACK in WebAssembly, SIMD, one thread (backend name 'wasm')
 *
 * The first two are optional: imported dynamically, so their absence is the normal case and is not an
 * error. They are NOT dependencies of this project because they cannot be installed from the package
 * registry alone: their install script (`node scripts/install.js`) downloads the libtensorflow C
 * library from storage.googleapis.com, a host outside the package registries that the build hosts
 * cannot reach, so `npm ci` fails. A host that can install one of them
 * (`npm install @tensorflow/tfjs-node-gpu@4.22`) gets it picked up here without a code change. Only the wasm backend ships with npm ci; its .wasm
 * binaries are loaded from node_modules (`setWasmPaths`), never from a CDN. Its multi-threaded build
 * does not start in Node (it needs a browser's Web Workers), so it runs with SIMD on one thread.
 *
 * Overrides: `TFJS_BACKEND=wasm` (or `node`, `node-gpu`) restricts the choice to that one backend,
 * e.g. to compare backends on a host that has tfjs-node.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfjsBackendKind = 'node-gpu' | 'node' | 'wasm';

export interface TfjsBackendChoice {
  kind: TfjsBackendKind;
  /** The package that provides it. */
  package: string;
  /** TF.js's own name for the backend (tf.getBackend()): 'tensorflow' or 'wasm'. */
  backend: string;
  /** Details worth logging, e.g. 'SIMD on, 1 thread'. */
  detail: string;
  /** Backends tried before it, with why each was passed over ('not installed', or its error). */
  skipped: { package: string; reason: string }[];
}

/** Loads a package by name; injectable so tests can simulate installed or broken packages. */
export type PackageLoader = (pkg: string) => Promise<unknown>;

const PACKAGES: Record<TfjsBackendKind, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
};
const ORDER: TfjsBackendKind[] = ['node-gpu', 'node', 'wasm'];

// A variable specifier keeps TypeScript from resolving the optional packages at compile time.
const importPackage: PackageLoader = (pkg) => import(pkg);

let chosen: Promise<TfjsBackendChoice> | undefined;

/**
 * The TF.js backend this process uses, chosen and initialised on the first call (later calls return
 * the same choice). One line for the log: `formatTfjsBackend(choice)`.
 */
export function ensureTfjsBackend(): Promise<TfjsBackendChoice> {
  chosen ??= chooseTfjsBackend({ candidates: candidatesFromEnv(process.env.TFJS_BACKEND) }).catch((err) => {
    chosen = undefined; // let a later call try again
    throw err;
  });
  return chosen;
}

/** `tfjs backend: wasm (@tensorflow/tfjs-backend-wasm; SIMD on, 1 thread); skipped ...: not installed` */
export function formatTfjsBackend(c: TfjsBackendChoice): string {
  const skipped = c.skipped.map((s) => `${s.package}: ${s.reason}`).join('; ');
  return `tfjs backend: ${c.backend} (${c.package}; ${c.detail})${skipped ? `; skipped ${skipped}` : ''}`;
}

function candidatesFromEnv(v: string | undefined): TfjsBackendKind[] {
  if (!v) return ORDER;
  if (!(ORDER as string[]).includes(v))
    throw new Error(`TFJS_BACKEND=${v}: expected one of ${ORDER.join(', ')}`);
  return [v as TfjsBackendKind];
}

/**
 * Tries the candidates in order and activates the first that loads and initialises. Exported for
 * tests; the pipeline calls {@link ensureTfjsBackend}.
 */
export async function chooseTfjsBackend(
  o: { candidates?: TfjsBackendKind[]; load?: PackageLoader } = {},
): Promise<TfjsBackendChoice> {
  const load = o.load ?? importPackage;
  const skipped: TfjsBackendChoice['skipped'] = [];
  for (const kind of o.candidates ?? ORDER) {
    const pkg = PACKAGES[kind];
    try {
      if (kind === 'wasm') {
        await initWasm();
        return { kind, package: pkg, backend: 'wasm', detail: await wasmDetail(), skipped };
      }
      await load(pkg); // registers the 'tensorflow' backend (and loads libtensorflow) on import
      if (!(await tf.setBackend('tensorflow'))) throw new Error("backend 'tensorflow' did not initialise");
      return { kind, package: pkg, backend: tf.getBackend(), detail: 'libtensorflow', skipped };
    } catch (err) {
      skipped.push({ package: pkg, reason: isNotInstalled(err, pkg) ? 'not installed' : errorLine(err) });
    }
  }
  throw new Error(
    `no TF.js backend could be started: ${skipped.map((s) => `${s.package}: ${s.reason}`).join('; ')}`,
  );
}

async function initWasm(): Promise<void> {
  // The .wasm files sit next to the package's main script (dist/); without this they are fetched
  // from a CDN.
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve(PACKAGES.wasm))}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error("backend 'wasm' did not initialise");
}

async function wasmDetail(): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `SIMD ${simd ? 'on' : 'off'}, 1 thread`;
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(pkg)
  );
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
