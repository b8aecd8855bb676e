/// <reference types="@webgpu/types" />
// WebGPU's types (GPUDevice, GPUBuffer …) come from @webgpu/types, a dependency of `webgpu`; the
// reference above makes them visible to every file of this package without adding them to the
// shared `types` list of tsconfig.base.json.

/** A `.wgsl` shader imported as its source text (tsup's text loader; jest's wgsl-transform.cjs). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
