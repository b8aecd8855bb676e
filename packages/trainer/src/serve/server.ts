/**
 * The `rlvr serve` HTTP server (Fastify): OpenRLHF's `/get_reward`, the native `/v1/*` endpoints,
 * `/healthz` and `/metrics`, over one {@link VerifierPool}. Requests that enqueue work pass a bounded
 * queue ({@link Admission}); bodies are schema-checked; every failure is `{"error": "…"}` with a
 * status. `close()` stops accepting, answers what is in flight, then stops the pool's workers.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { VerifierPool, builtInVerifiers } from '@rlvr/verifiers';
import { CliError } from '../cli/cli-error.js';
import { bearerMatches } from './access.js';
import { Admission } from './admission.js';
import { computeAdvantages, type AdvantagesBody } from './advantages.js';
import { getRewardItems, getRewardReply, type GetRewardBody } from './get-reward.js';
import { HttpError, errorHandler } from './http-error.js';
import { createServeMetrics } from './metrics.js';
import { ADVANTAGES_BODY, GET_REWARD_BODY, VERIFY_BODY, formatSchemaError } from './schemas.js';
import { queueFull, scoreItems, RETRY_AFTER_SECONDS } from './scoring.js';
import { TaskResolver, type CustomVerifierSpec } from './tasks.js';
import { verifyItems, type VerifyBody } from './verify-items.js';
import { listWeightings } from './weightings.js';

/** Default most items admitted and not yet answered (64 concurrent requests of 256 items). */
export const DEFAULT_MAX_QUEUE = 16384;
/** Default largest request body in bytes (64 MiB: a 10 MB completion fits with room to spare). */
export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
/** The queue also holds at most this many bodies' worth of bytes, so memory is bounded in bytes too. */
const QUEUED_BODIES = 4;

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** Verifier pool threads (the pool's default when absent). */
  threads?: number;
  /** Per-item time limit in ms (the pool's default, 2000, when absent). */
  timeoutMs?: number;
  /** Custom verifiers (already checked by `loadCustomVerifiers`). */
  verifiers?: readonly CustomVerifierSpec[];
  /** Bearer token every route but /healthz requires; none when absent. */
  token?: string;
  /** The verifier (or data source) of requests that name none (default `math`). */
  task?: string;
  /** Most items admitted and not yet answered. */
  maxQueue?: number;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /** Where server faults are logged (default stderr). */
  log?: (line: string) => void;
}

/** A running server. */
export interface RlvrServer {
  /** `http://host:port`. */
  url: string;
  /** The bound port. */
  port: number;
  /** The Fastify instance. */
  app: FastifyInstance;
  /** Stop accepting, answer the requests in flight, stop the workers. Idempotent. */
  close(): Promise<void>;
}

/** The routes whose requests enqueue items, refused before their body is read when the queue is full. */
const QUEUED_ROUTES = new Set(['/get_reward', '/v1/verify']);

/** Start the pool and the server and listen; rejects with a CliError when the port cannot be bound. */
export async function startServer(options: ServeOptions = {}): Promise<RlvrServer> {
  const host = options.host ?? '127.0.0.1';
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const custom = options.verifiers ?? [];
  const resolver = new TaskResolver([...builtInVerifiers().map((v) => v.name), ...custom.map((v) => v.name)]);
  const task = options.task ?? 'math';
  if (resolver.resolve(task) === undefined) throw new CliError('--task', resolver.unknown(task));
  const pool = new VerifierPool({
    threads: options.threads,
    timeoutMs: options.timeoutMs,
    modules: [...new Set(custom.map((v) => v.url))],
  });
  const admission = new Admission({
    maxItems: options.maxQueue ?? DEFAULT_MAX_QUEUE,
    maxBytes: QUEUED_BODIES * bodyLimit,
  });
  const metrics = createServeMetrics({
    queuedItems: () => admission.held().items,
    queueLimit: () => admission.limits.maxItems,
    poolThreads: () => pool.threads,
    poolTerminations: () => pool.stats().terminations,
  });
  const context = { pool, admission, metrics };
  const bodySizes = new WeakMap<FastifyRequest, number>();
  const weightings = listWeightings();

  const app = Fastify({
    logger: false,
    bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaErrorFormatter: formatSchemaError,
  });
  app.setErrorHandler(errorHandler(bodyLimit, log));
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: `no route ${request.method} ${request.url.split('?')[0]}; routes: POST /get_reward, POST /v1/verify, POST /v1/advantages, GET /v1/weightings, GET /healthz, GET /metrics`,
    });
  });
  // JSON parsed here rather than by Fastify's parser, whose error drops where the JSON breaks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    bodySizes.set(request, (body as string).length);
    if ((body as string).trim() === '') {
      done(new HttpError(400, 'body: empty; expected a JSON object'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new HttpError(400, `body: invalid JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (
      options.token !== undefined &&
      path !== '/healthz' &&
      !bearerMatches(request.headers.authorization, options.token)
    ) {
      throw new HttpError(
        401,
        'authorization: expected the header "Authorization: Bearer <token>" with the server\'s --token',
        {
          'www-authenticate': 'Bearer',
        },
      );
    }
    if (request.method === 'POST' && QUEUED_ROUTES.has(path) && admission.full()) {
      metrics.rejected.inc();
      throw queueFull();
    }
  });
  // A response sent while closing ends its connection: an idle keep-alive connection would otherwise
  // hold the close open until its keep-alive timeout.
  let draining = false;
  app.addHook('onSend', async (_request, reply) => {
    if (draining) void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.post('/get_reward', { schema: { body: GET_REWARD_BODY } }, async (request) => {
    const items = getRewardItems(request.body as GetRewardBody, resolver, task);
    return getRewardReply(await scoreItems(context, items, bodySizes.get(request) ?? 0));
  });
  app.post('/v1/verify', { schema: { body: VERIFY_BODY } }, async (request) => {
    const items = verifyItems(request.body as VerifyBody, resolver, task);
    return { results: await scoreItems(context, items, bodySizes.get(request) ?? 0) };
  });
  app.post('/v1/advantages', { schema: { body: ADVANTAGES_BODY } }, async (request) =>
    computeAdvantages(request.body as AdvantagesBody),
  );
  app.get('/v1/weightings', async () => weightings);
  app.get('/healthz', async () => ({
    status: 'ok',
    threads: pool.threads,
    timeoutMs: pool.timeoutMs,
    task,
    verifiers: resolver.verifierNames(),
    queue: { ...admission.held(), maxItems: admission.limits.maxItems, retryAfterSeconds: RETRY_AFTER_SECONDS },
  }));
  app.get('/metrics', async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      draining = true;
      try {
        await app.close();
      } finally {
        await pool.close();
      }
    })());
  try {
    await app.listen({ host, port: options.port ?? 8000 });
  } catch (error) {
    await close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'EADDRINUSE' ? '--port' : '--host',
      `cannot listen on ${host}:${options.port ?? 8000}: ${(error as Error).message}`,
    );
  }
  const port = (app.server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, port, app, close };
}
