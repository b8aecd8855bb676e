import { TrainerError } from '../errors.js';

/** A LoRA adapter directory that cannot be used (unreadable or unsupported adapter_config.json, no base model); names the file. */
export class AdapterError extends TrainerError {
  /** The file or directory at fault. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'AdapterError';
    this.path = path;
  }
}
