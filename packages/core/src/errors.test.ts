import { CoreError } from './errors.js';
import { ConfigError, ModelWeightsError, parseDecoderConfig } from './model/config.js';
import { SafetensorsError, decodeSafetensors } from './model/safetensors.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('CoreError', () => {
  it('is the base of every error class of the package', () => {
    for (const type of [ConfigError, ModelWeightsError, SafetensorsError]) expect(type.prototype).toBeInstanceOf(CoreError);
  });

  it('recognises the package errors that real calls throw, and nothing else', () => {
    const a = thrown(() => decodeSafetensors(new Uint8Array([1, 2, 3])));
    const b = thrown(() => parseDecoderConfig({ hidden_size: -1 }));
    expect(a).toBeInstanceOf(SafetensorsError);
    expect(b).toBeInstanceOf(ConfigError);
    expect(CoreError.isInstance(a) && CoreError.isInstance(b)).toBe(true);
    expect(CoreError.isInstance(new Error('other'))).toBe(false);
    expect(CoreError.isInstance(null)).toBe(false);
  });
});
