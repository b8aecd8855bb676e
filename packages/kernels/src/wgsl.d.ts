/// <reference types="@webgpu/types" />
// WebGPU's types (GPUDevice, GPUBuffer …) come from @webgpu/types, a dependency of this package; the
// reference above makes them visible to every file of this package without adding them to the
// shared `types` list of tsconfig.base.json. The published declarations carry the same reference
// (tsup.config.ts `typesReferences`), so that a consumer's tsc loads them too.

/** A `.wgsl` shader imported as its source text (tools/config/wgsl.mjs, shared by tsup, jest and tsx). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
