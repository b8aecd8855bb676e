import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { KERNEL_TABLE } from './kernel-table.js';

const src = new URL('./', import.meta.url);

describe('KERNEL_TABLE', () => {
  it('names files that exist', () => {
    for (const k of KERNEL_TABLE) {
      for (const file of [...k.wgsl, k.reference, k.gpuTest]) expect([k.id, file, existsSync(new URL(file, src))]).toEqual([k.id, file, true]);
    }
  });

  it('lists every kernel folder that has its own WGSL (the model folders excepted)', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((d) => d.isDirectory() && readdirSync(new URL(`${d.name}/`, src)).some((f) => f.endsWith('.wgsl')))
      .map((d) => d.name)
      .filter((name) => name !== 'gpu-decoder'); // small helper kernels of the model, documented there
    expect(KERNEL_TABLE.map((k) => k.id).sort()).toEqual(folders.sort());
  });

  it('is what KERNELS.md was generated from (one row per kernel, in order)', () => {
    const table = readFileSync(new URL('../KERNELS.md', import.meta.url), 'utf8');
    const ids = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(ids).toEqual(KERNEL_TABLE.map((k) => k.id));
  });
});
