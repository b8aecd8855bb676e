/** LoRA in PEFT's layout: settings, wrapped Linears and tensor names, the adapters' tensors, init and merge. */
export { LoraAdapters, type LoraInit } from './lora-adapters.js';
export {
  LORA_MODULES,
  PEFT_PREFIX,
  checkLoraSettings,
  loraModules,
  loraScale,
  loraShapes,
  loraTargets,
} from './lora-spec.js';
export type { LoraModule, LoraSettings, LoraTarget } from './lora-spec.js';
