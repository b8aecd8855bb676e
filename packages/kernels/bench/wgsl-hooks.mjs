// Node module hooks: `.wgsl` files load as an ES module whose default export is the file's text,
// as tsup's text loader and jest's wgsl-transform do (tsx alone would reject the extension).
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (url.endsWith('.wgsl')) {
    const text = await readFile(new URL(url), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
