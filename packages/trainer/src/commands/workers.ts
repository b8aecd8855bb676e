import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis } from '../rollout/redis-connection.js';
import type { Command } from '../cli/command.js';
import { CliError } from '../cli/cli-error.js';
import { queueOption, redisUrlOption } from './redis-option.js';
import { defineCommand } from '../cli/define-command.js';
import { liveWorkers, trainerKey, type TrainerLease } from '../rollout/registry.js';

const OPTIONS = {
  redis: { type: 'string', value: 'URL', description: 'Redis URL of the queue; required.' },
  queue: { type: 'string', value: 'NAME', description: 'Queue name (default rlvr).' },
  json: { type: 'boolean', description: 'Print one JSON object instead of the table.' },
} as const;

/** `rlvr workers`: who is on a rollout queue. */
export const workersCommand: Command = defineCommand({
  name: 'workers',
  summary: 'List the live rollout workers of a queue, its trainer and its depth.',
  description:
    'Live workers (a heartbeat in the last 15 s): host, pid, the policy version they hold, jobs done and sampling tokens/s; the trainer holding the queue; jobs waiting and running.',
  options: OPTIONS,
  examples: ['rlvr workers --redis redis://10.0.0.5:6379', 'rlvr workers --redis redis://127.0.0.1:6379 --json'],
  async execute(options, io) {
    const redisUrl = redisUrlOption(options.redis);
    const queueName = queueOption(options.queue);
    let redis: Redis;
    try {
      redis = await connectRedis(redisUrl, { retry: false });
    } catch (error) {
      throw new CliError('--redis', (error as Error).message);
    }
    const queue = new Queue(queueName, { connection: redis });
    try {
      const [workers, counts, lease] = await Promise.all([
        liveWorkers(redis, queueName),
        queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
        redis.get(trainerKey(queueName)),
      ]);
      const trainer = lease === null ? null : (JSON.parse(lease) as TrainerLease);
      const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify({ queue: queueName, trainer, waiting, active: counts.active ?? 0, workers })}\n`,
        );
        return 0;
      }
      io.stdout.write(
        `queue ${queueName}: ${waiting} waiting, ${counts.active ?? 0} running; trainer ${trainer ? `${trainer.host} pid ${trainer.pid} (${trainer.runDir})` : 'none'}\n`,
      );
      const rows = [
        ['worker', 'host', 'pid', 'version', 'jobs', 'tok/s', 'busy', 'since'],
        ...workers.map((w) => [
          w.id,
          w.host,
          String(w.pid),
          w.version === null ? '-' : String(w.version),
          String(w.jobs),
          w.tokensPerSecond.toFixed(0),
          w.busy === null ? 'idle' : 'yes',
          w.since,
        ]),
      ];
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      for (const r of rows) {
        io.stdout.write(
          `${r
            .map((cell, c) => cell.padEnd(widths[c]!))
            .join('  ')
            .trimEnd()}\n`,
        );
      }
      if (workers.length === 0) {
        io.stdout.write(
          `no live worker; start one with: rlvr worker --redis ${redisUrl}${queueName === 'rlvr' ? '' : ` --queue ${queueName}`}\n`,
        );
      }
      return 0;
    } finally {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    }
  },
});
