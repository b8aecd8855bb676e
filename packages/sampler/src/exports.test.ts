/** The test helpers live in `@rlvr/sampler/testing`, not in the package root (imported by name, as a consumer would). */
import * as root from '@rlvr/sampler';
import * as testing from '@rlvr/sampler/testing';

describe('@rlvr/sampler exports', () => {
  it('the root has no test helpers; @rlvr/sampler/testing loads them', () => {
    for (const name of ['tinyModel', 'writeModelDir', 'TINY_CORPUS']) {
      expect(Object.keys(root)).not.toContain(name);
      expect(Object.keys(testing)).toContain(name);
    }
    expect(typeof root.Sampler).toBe('function');
  });
});
