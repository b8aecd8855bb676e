/**
 * The package's public surface: a small root (backends, the decoder model, the GPU ops, errors) and
 * two subpaths, `testing` (helpers, tolerances, case tables) and `reference` (plain-loop references).
 * Imported by name, as a consumer would (jest maps the names, and the subpaths, to the sources).
 */
import * as root from '@rlvr/kernels';
import * as reference from '@rlvr/kernels/reference';
import * as testing from '@rlvr/kernels/testing';

describe('@rlvr/kernels exports', () => {
  it('the root exports at most 60 runtime names, none of them a shader, a uniform table or @rlvr/core', () => {
    const names = Object.keys(root);
    expect(names.length).toBeLessThanOrEqual(60);
    expect(names.filter((name) => /_WGSL$|_PARAMS$/.test(name))).toEqual([]);
    for (const name of ['parseDecoderConfig', 'readSafetensors', 'SeededRandom', 'CoreError', 'reference', 'describeGpu', 'matmulCases']) {
      expect(names).not.toContain(name);
    }
    for (const name of ['createDecoderModel', 'loadDecoderModel', 'selectBackend', 'KernelsError', 'NonFiniteGradientError', 'cpuOps']) {
      expect(names).toContain(name);
    }
  });

  it('@rlvr/kernels/testing loads: the GPU-suite helper, tolerances and case tables', () => {
    expect(typeof testing.describeGpu).toBe('function');
    expect(typeof testing.matmulTolerance).toBe('function');
    expect(testing.matmulCases.length).toBeGreaterThan(0);
    expect(testing.RMSNORM_CASES.length).toBeGreaterThan(0);
  });

  it('@rlvr/kernels/reference loads: the plain-loop references', () => {
    expect(typeof reference.matmulReference).toBe('function');
    expect(typeof reference.rmsNormForward).toBe('function');
    expect(typeof reference.centralDifference).toBe('function');
    expect(new reference.KernelReferenceError('x', 'bad x')).toBeInstanceOf(root.KernelsError);
  });
});
