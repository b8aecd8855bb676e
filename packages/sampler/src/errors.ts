/** Marker that survives duplicate installs of the package (see {@link SamplerError.isInstance}). */
const MARKER = Symbol.for('@rlvr/sampler/error');

/** The base of every error @rlvr/sampler throws, recognisable across installs with {@link SamplerError.isInstance}. */
export class SamplerError extends Error {
  private readonly [MARKER] = true;

  /** True for an error of this package (any subclass, any installed copy). */
  static isInstance(value: unknown): value is SamplerError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/** A missing or malformed tokenizer file; names the file and what was expected. */
export class TokenizerError extends SamplerError {
  override readonly name = 'TokenizerError';
  /** Creates the error for `file`. */
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A missing or unusable model file or graph (missing inputs/outputs, wrong tensor shapes); names the file or tensor. */
export class ModelLoadError extends SamplerError {
  override readonly name = 'ModelLoadError';
  /** Creates the error for `what` (a file path or tensor name). */
  constructor(
    readonly what: string,
    problem: string,
  ) {
    super(`${what}: ${problem}`);
  }
}

/** A prompt or generation option that cannot be honoured (too long for the context, empty, bad option value). */
export class GenerationError extends SamplerError {
  override readonly name = 'GenerationError';
}

/** The model produced NaN or ±Infinity logits; names the prompt, sample and step so the cause can be found. */
export class NonFiniteLogitsError extends SamplerError {
  override readonly name = 'NonFiniteLogitsError';
  /** Creates the error for one sequence at one decoding step. */
  constructor(
    readonly promptIndex: number,
    readonly sampleIndex: number,
    readonly step: number,
    value: number,
  ) {
    super(
      `model produced a non-finite logit (${value}) for prompt ${promptIndex}, sample ${sampleIndex}, at generated token ${step}`,
    );
  }
}

/** A sampler device whose ONNX Runtime execution provider cannot start on this machine; names the device and ORT's reason. */
export class SamplerDeviceError extends SamplerError {
  override readonly name = 'SamplerDeviceError';
  /** Creates the error for `device` (e.g. `webgpu`). */
  constructor(
    readonly device: string,
    problem: string,
  ) {
    super(`sampler device ${device}: ${problem}`);
  }
}
