/**
 * Uniform blocks made of u32 fields only, described by one ordered list of names shared with the
 * WGSL struct (a test checks the two agree), so the byte layout is derived, never hand-counted.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { BufferUsage } from './usage.js';

/** Pack named u32 values in `fields` order into a 16-byte-aligned block (WGSL uniform structs are). */
export function packU32Uniforms(fields: readonly string[], values: Readonly<Record<string, number>>): Uint32Array {
  const out = new Uint32Array(Math.ceil(fields.length / 4) * 4);
  fields.forEach((name, i) => {
    const value = values[name];
    if (value === undefined || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new TensorShapeError(`uniform ${name}: expected a u32, got ${value}`);
    }
    out[i] = value;
  });
  return out;
}

/** A new UNIFORM buffer holding `data`. The caller destroys it once the work using it is submitted. */
export function createUniformBuffer(gpu: GpuDevice, data: Uint32Array, label: string): GPUBuffer {
  const buffer = gpu.device.createBuffer({
    label,
    size: data.byteLength,
    usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
  });
  gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** The field names of a WGSL `struct Name { a: u32, b: u32, … }`, in order (for layout tests). */
export function wgslStructFields(code: string, struct: string): string[] {
  const match = new RegExp(`struct\\s+${struct}\\s*\\{([^}]*)\\}`).exec(code);
  if (!match) throw new Error(`struct ${struct} not found in WGSL`);
  return match[1]!
    .split(/[,\n]/)
    .map((line) => line.replace(/\/\/.*$/, '').trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(':')[0]!.trim());
}
