import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../cli/command.js';
import { queueOption, redisUrlOption } from './redis-option.js';
import { defineCommand } from '../cli/define-command.js';
import { parseInteger } from '../cli/parse-options.js';
import { runWorker } from '../rollout/worker.js';

const OPTIONS = {
  redis: { type: 'string', value: 'URL', description: 'Redis URL of the queue (redis://HOST[:PORT][/DB]); required.' },
  queue: { type: 'string', value: 'NAME', description: 'Queue name, as the trainer’s rollout.queue (default rlvr).' },
  threads: {
    type: 'string',
    value: 'N',
    description:
      'ONNX Runtime threads of the sampler and verifier threads (default: RLVR_CPU_THREADS, else every core).',
  },
  cache: {
    type: 'string',
    value: 'DIR',
    description: 'Where model files and weight downloads go (default ~/.cache/rlvr/worker).',
  },
  'lock-seconds': {
    type: 'string',
    value: 'N',
    description: 'Job lock lifetime: a killed worker’s job goes back to the queue after about this long (default 30).',
  },
} as const;

const DESCRIPTION = [
  'Take rollout jobs from a training run on another machine: sample them with this machine’s sampler,',
  'score them with its verifiers and return rollouts with per-token logprobs and rewards. The run is',
  '`rlvr train --rollout.workers redis://HOST:6379`; the worker fetches the model files, the run config',
  'and each policy version once from the trainer’s weights server (rollout.advertise, rollout.port).',
  'Custom verifier modules named by the run must exist at the same paths here.',
  'Ctrl-C or SIGTERM finishes the running job, then exits 0.',
].join('\n');

const EXAMPLES = [
  'rlvr worker --redis redis://10.0.0.5:6379',
  'rlvr worker --redis redis://10.0.0.5:6379 --queue countdown --threads 8',
];

/** `rlvr worker`: a rollout worker on a BullMQ queue. */
export const workerCommand: Command = defineCommand({
  name: 'worker',
  summary: 'Sample and score rollout jobs for a training run on another machine (Redis/BullMQ queue).',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const redisUrl = redisUrlOption(options.redis);
    const queue = queueOption(options.queue);
    const threads = options.threads === undefined ? undefined : parseInteger('--threads', options.threads, 1);
    const lockSeconds =
      options['lock-seconds'] === undefined ? 30 : parseInteger('--lock-seconds', options['lock-seconds'], 1);
    const signal = io.stop?.claim('finishing the running job, then stopping');
    const log = (line: string): void => void io.stderr.write(`rlvr worker: ${line}\n`);
    const done = await runWorker({
      redis: redisUrl,
      queue,
      ...(threads === undefined ? {} : { threads }),
      cacheDir: options.cache ?? join(homedir(), '.cache', 'rlvr', 'worker'),
      lockSeconds,
      log,
      ...(signal ? { stop: signal } : {}),
    });
    log(`stopped after ${done.jobs} job${done.jobs === 1 ? '' : 's'}`);
    // Without Redis the queue client's reconnect timers would keep the process alive: leave once the
    // event loop has had a moment to flush (the timer does not itself hold the process).
    if (done.detached) setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
    return 0;
  },
});
