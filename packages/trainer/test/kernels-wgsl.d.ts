// The parity test imports @rlvr/kernels from source; its shader imports need kernels' ambient `*.wgsl` module.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient module file cannot be imported
/// <reference path="../../kernels/src/wgsl.d.ts" />
