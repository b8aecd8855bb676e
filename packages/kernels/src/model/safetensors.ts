/** Safetensors IO now lives in @rlvr/core; re-exported for existing imports. */
export {
  SafetensorsError, MAX_HEADER_BYTES, f16BitsToNumber, bf16BitsToNumber, f16ToFloat32, bf16ToFloat32,
  decodeSafetensors, encodeSafetensors, readSafetensors, readSafetensorsSync, writeSafetensors,
} from '@rlvr/core';
export type { NamedTensor, NamedTensors, SafetensorsMetadata, SafetensorsContent } from '@rlvr/core';
