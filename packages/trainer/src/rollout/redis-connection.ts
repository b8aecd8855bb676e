/**
 * One way to open a Redis connection for the rollout queue: ioredis, retrying commands forever while
 * it reconnects (BullMQ's requirement for workers, and what lets a run ride out a Redis restart), and a
 * first connection that fails fast, naming the real cause (ECONNREFUSED, ENOTFOUND, …).
 */
import { Redis } from 'ioredis';
import { TrainerError } from '../errors.js';

/** Connect to `url`; a TrainerError naming the URL and the cause if the first connection fails. */
export async function connectRedis(url: string, options: { retry?: boolean } = {}): Promise<Redis> {
  let cause = '';
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: options.retry === false ? 1 : null,
    ...(options.retry === false ? { retryStrategy: () => null } : {}),
  });
  // Later errors are reconnects ioredis handles; the first one is the reason a connection failed.
  redis.on('error', (error: Error) => {
    cause ||= error.message;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new TrainerError(`cannot reach Redis at ${url}: ${cause || (error as Error).message}`);
  }
  return redis;
}
