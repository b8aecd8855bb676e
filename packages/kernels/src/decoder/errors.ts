import { KernelsError } from '../errors.js';

/** Misuse of a decoder model (bad tokens/mask/dlogits, backward before forward, …); the message names the argument. */
export class DecoderModelError extends KernelsError {
  override readonly name = 'DecoderModelError';
}
