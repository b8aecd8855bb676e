import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@rlvr/core';
import type { TopLevelSpec } from 'vega-lite';
import { installTextMetrics } from './text-width.js';

/**
 * Render a Vega-Lite spec to an SVG document. Vega's `none` renderer builds the scene graph without
 * a canvas or a DOM, so this runs headless in plain Node (text widths are estimated, not measured).
 * vega and vega-lite are loaded here, on first use, not when the package is: their modules use
 * top-level await, which would make `require('@rlvr/trainer')` fail (ERR_REQUIRE_ASYNC_MODULE).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // One after the other: jest's ESM loader fails on two concurrent imports that share modules.
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  installTextMetrics(vega);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    // Releases the view's dataflow and timers so that a long-lived process (or jest) does not leak them.
    view.finalize();
  }
}

/** Render `spec` and write it to `path` atomically (parent folders created; never a half figure); returns `path`. */
export async function writeSvg(spec: TopLevelSpec, path: string): Promise<string> {
  const svg = await renderSvg(spec);
  await mkdir(dirname(path), { recursive: true });
  writeFileAtomic(path, svg.endsWith('\n') ? svg : `${svg}\n`);
  return path;
}
