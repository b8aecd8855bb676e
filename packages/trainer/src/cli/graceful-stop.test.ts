import { EventEmitter } from 'node:events';
import { installGracefulStop, stopHandleOf, stopReason } from './graceful-stop.js';

function setup() {
  const target = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  const stop = installGracefulStop({
    stderr: { write: (text: string) => lines.push(text) },
    label: 'rlvr train',
    exit: (code) => exits.push(code),
    target: target as never,
  });
  return { target, lines, exits, stop };
}

describe('installGracefulStop', () => {
  test('unclaimed: the first signal exits at once with 128 + the signal number', () => {
    const { target, lines, exits, stop } = setup();
    target.emit('SIGTERM');
    expect(exits).toEqual([143]);
    expect(lines).toEqual(['rlvr train: SIGTERM: stopping now\n']);
    stop.dispose();
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0);
  });

  test('claimed: the first signal aborts with its name and says what happens, the second exits', () => {
    const { target, lines, exits, stop } = setup();
    let step = 3;
    const signal = stop.handle.claim(() => `finishing step ${step} and writing a checkpoint`);
    expect(stopReason(signal)).toBeUndefined();
    step = 4;
    target.emit('SIGINT');
    expect(signal.aborted).toBe(true);
    expect(stopReason(signal)).toBe('SIGINT');
    expect(exits).toEqual([]);
    expect(lines).toEqual(['rlvr train: SIGINT: finishing step 4 and writing a checkpoint; send it again to stop at once\n']);
    target.emit('SIGINT');
    expect(exits).toEqual([130]);
    expect(lines[1]).toBe('rlvr train: SIGINT: stopping now; the last saved state is intact\n');
    stop.dispose();
  });

  test('stopHandleOf drives the same AbortSignal from a controller', () => {
    const controller = new AbortController();
    const signal = stopHandleOf(controller).claim('x');
    controller.abort('SIGTERM');
    expect(stopReason(signal)).toBe('SIGTERM');
  });
});
