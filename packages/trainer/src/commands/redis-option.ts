import { CliError } from '../cli/cli-error.js';
import { QUEUE_NAME, REDIS_URL, REDIS_URL_EXAMPLE } from '../rollout/queue-address.js';

/** The `--redis URL` of the rollout-queue commands, required; a usage error names the flag and the form. */
export function redisUrlOption(value: string | undefined): string {
  if (value === undefined || !REDIS_URL.test(value)) {
    throw new CliError('--redis', `expected a Redis URL (${REDIS_URL_EXAMPLE}), got ${value ?? 'nothing'}`);
  }
  return value;
}

/** The `--queue NAME` of the rollout-queue commands (default `rlvr`, the trainer's `rollout.queue` default). */
export function queueOption(value: string | undefined): string {
  const queue = value ?? 'rlvr';
  if (!QUEUE_NAME.test(queue)) throw new CliError('--queue', `expected letters, digits, _ . -; got ${queue}`);
  return queue;
}
