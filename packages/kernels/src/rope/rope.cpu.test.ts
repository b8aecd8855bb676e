/**
 * The fast in-place f32 RoPE against the reference on its case table, within the cpu ops' f32 tolerance (testing/expect-close.ts).
 */
import { describe, it } from '@jest/globals';
import { expectClose } from '../testing/expect-close.js';
import { ROPE_CASES, ropeCaseInputs } from './rope.cases.js';
import { ropeInPlace } from './rope.cpu.js';
import { ropeBackward, ropeForward } from './rope.reference.js';
import { ropeTables } from './rope.shared.js';

describe('fast rope matches the reference', () => {
  it.each(ROPE_CASES.map((c) => [c.name, c] as const))('rope forward/backward: %s', (_, c) => {
    const { x, dy } = ropeCaseInputs(c);
    const { cos, sin } = ropeTables(c.positions, c.dims.rope);
    const fx = x.slice();
    ropeInPlace(fx, cos, sin, c.dims.tokens, c.dims.heads, c.dims.rope.headDim, 1);
    expectClose(fx, ropeForward(x, c.positions, c.dims));
    const fdy = dy.slice();
    ropeInPlace(fdy, cos, sin, c.dims.tokens, c.dims.heads, c.dims.rope.headDim, -1);
    expectClose(fdy, ropeBackward(dy, c.positions, c.dims));
  });
});
