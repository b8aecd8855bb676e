import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { installTextMetrics } from './text-width.js';

/**
 * Render a Vega-Lite spec to an SVG document. Vega's `none` renderer builds the scene graph without
 * a canvas or a DOM, so this runs headless in plain Node (text widths are estimated, not measured).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  installTextMetrics();
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    // Releases the view's dataflow and timers so that a long-lived process (or jest) does not leak them.
    view.finalize();
  }
}

/** Render `spec` and write it to `path` (parent folders created); returns `path`. */
export async function writeSvg(spec: TopLevelSpec, path: string): Promise<string> {
  const svg = await renderSvg(spec);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, svg.endsWith('\n') ? svg : `${svg}\n`);
  return path;
}
