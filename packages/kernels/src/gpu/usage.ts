/**
 * WebGPU's buffer-usage and map-mode flags. Their values are fixed by the WebGPU spec; Dawn only
 * exposes them through its `globals` object, and installing those as node globals would leak into
 * every importer, so the few we use are spelled out here.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode` flags (WebGPU spec values). */
export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;
