/** What the rollout queue accepts as a Redis address: `redis://` or `rediss://` (TLS) URLs, as ioredis reads them. */
export const REDIS_URL = /^rediss?:\/\/\S+$/;

/** How a Redis URL looks, for messages. */
export const REDIS_URL_EXAMPLE = 'redis://HOST[:PORT][/DB] or rediss://…';

/** What a queue name may hold (it becomes part of Redis keys). */
export const QUEUE_NAME = /^[A-Za-z0-9_.-]+$/;
