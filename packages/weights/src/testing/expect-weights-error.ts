import { WeightsError } from '../errors.js';

/**
 * Test helper: `action` must throw a WeightsError (also recognised by `isInstance`) that names
 * `argument`, with a message starting `argument: ` and matching `message` when given.
 */
export function expectWeightsError(action: () => unknown, argument: string, message?: string | RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WeightsError);
  expect(WeightsError.isInstance(caught)).toBe(true);
  const error = caught as WeightsError;
  expect(error.argument).toBe(argument);
  expect(error.message.startsWith(`${argument}: `)).toBe(true);
  if (message !== undefined) expect(error.message).toMatch(message);
}
