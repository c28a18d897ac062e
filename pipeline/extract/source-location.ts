import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where a source lives, normalized once so the prober and the extractor agree:
 *
 *   "samples/a.mp4"            → file, path /work/…/samples/a.mp4, uri file:///work/…/samples/a.mp4
 *   "file:///data/a%20b.mp4"   → file, path /data/a b.mp4
 *   "rtsp://cam-7/stream1"     → network, path null (decoded later through uridecodebin)
 *
 * `name` is what errors quote: the path for files (what a user typed or configured), the URI
 * otherwise.
 */
export interface SourceLocation {
  kind: 'file' | 'network';
  uri: string;
  /** Absolute local path; null for network sources. */
  path: string | null;
  name: string;
}

/** A string with a URI scheme of 2+ letters (so a Windows drive letter `C:\` is not one). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/** Normalizes a local path or a URI (`file://`, `rtsp://`, `http(s)://`, …). */
export function locateSource(pathOrUri: string): SourceLocation {
  if (typeof pathOrUri !== 'string' || pathOrUri.trim() === '') {
    throw new TypeError(`source must be a non-empty path or URI, got ${JSON.stringify(pathOrUri)}`);
  }
  if (SCHEME.test(pathOrUri)) {
    if (/^file:/i.test(pathOrUri)) {
      const path = fileURLToPath(pathOrUri);
      return { kind: 'file', uri: pathToFileURL(path).href, path, name: path };
    }
    return { kind: 'network', uri: pathOrUri, path: null, name: pathOrUri };
  }
  const path = resolve(pathOrUri);
  return { kind: 'file', uri: pathToFileURL(path).href, path, name: pathOrUri };
}

/** A local path, never read as a URI (a file may be named `rtsp:x`). */
export function locateFile(path: string): SourceLocation {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new TypeError(`path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  const abs = resolve(path);
  return { kind: 'file', uri: pathToFileURL(abs).href, path: abs, name: path };
}
