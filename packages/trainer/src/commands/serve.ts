import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseInteger } from '../cli/parse-options.js';
import { requireTokenOffLoopback } from '../serve/access.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_QUEUE, startServer } from '../serve/server.js';
import { loadCustomVerifiers } from '../serve/tasks.js';

/** Environment variable read for the token when `--token` is not given (keeps it out of `ps`). */
export const TOKEN_ENV = 'RLVR_SERVE_TOKEN';

const OPTIONS = {
  host: { type: 'string', value: 'HOST', description: 'Address to bind (default 127.0.0.1; any other needs --token).' },
  port: { type: 'string', value: 'N', description: 'Port (default 8000; 0 picks a free one, printed at start).' },
  threads: { type: 'string', value: 'N', description: 'Verifier worker threads (default min(2, cores)).' },
  'timeout-ms': {
    type: 'string',
    value: 'N',
    description: 'Per-item time limit in ms; an item over it gets reward 0, reason "timeout" (default 2000).',
  },
  task: {
    type: 'string',
    value: 'NAME',
    description:
      'Verifier for requests that name none: countdown, gsm8k, math (default), math-flexible, exact-match or a --verifier.',
  },
  verifier: {
    type: 'string',
    value: 'NAME=MODULE[,…]',
    description: 'Custom verifiers: plain-JS modules whose default export is a Verifier (or an array) named NAME.',
  },
  token: {
    type: 'string',
    value: 'T',
    description: `Require "Authorization: Bearer T" on every route but /healthz (default: $${TOKEN_ENV} if set).`,
  },
  'max-queue': {
    type: 'string',
    value: 'N',
    description: `Most items admitted and not yet answered; past it requests get 503 + Retry-After (default ${DEFAULT_MAX_QUEUE}).`,
  },
  'body-limit-mb': {
    type: 'string',
    value: 'N',
    description: `Largest request body in MiB; larger ones get 413 (default ${DEFAULT_BODY_LIMIT / 1024 / 1024}).`,
  },
} as const;

const DESCRIPTION = [
  'Serve the verifiers and the weightings over HTTP, for RL stacks in Python (verl, TRL, OpenRLHF).',
  'POST /get_reward   OpenRLHF --reward.remote_url: {"query", "prompts", "labels"} -> {"rewards", "scores", "extra_logs"}',
  'POST /v1/verify    {"task", "items": [{"response", "reference"}]} -> {"results": [{reward, correct, formatOk, extracted, reason}]}',
  'POST /v1/advantages {"weighting", "groupSize", "rewards", "zeroVariance"?} -> {"advantages", "rho"}',
  'GET  /v1/weightings, /healthz, /metrics (Prometheus)',
  'Items run on worker threads with a per-item time limit; a bounded queue answers 503 with Retry-After when',
  'full. SIGTERM or Ctrl-C drains: new requests are refused, those in flight are answered, then exit 0.',
].join('\n');

const EXAMPLES = [
  'rlvr serve',
  'rlvr serve --port 8000 --threads 2 --timeout-ms 1000 --task gsm8k',
  'rlvr serve --host 0.0.0.0 --token "$(cat token.txt)" --verifier capital=./capital.mjs',
];

/** `rlvr serve`: the verifiers and the weightings as an HTTP service. */
export const serveCommand: Command = defineCommand({
  name: 'serve',
  summary: 'Serve the verifiers and weightings over HTTP (OpenRLHF /get_reward, /v1/verify, /v1/advantages).',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const host = options.host ?? '127.0.0.1';
    const token = options.token ?? process.env[TOKEN_ENV];
    requireTokenOffLoopback(host, token);
    const port = options.port === undefined ? 8000 : parseInteger('--port', options.port, 0);
    const threads = options.threads === undefined ? undefined : parseInteger('--threads', options.threads, 1);
    const timeoutMs =
      options['timeout-ms'] === undefined ? undefined : parseInteger('--timeout-ms', options['timeout-ms'], 1);
    const maxQueue =
      options['max-queue'] === undefined ? undefined : parseInteger('--max-queue', options['max-queue'], 1);
    const bodyLimit =
      options['body-limit-mb'] === undefined
        ? undefined
        : parseInteger('--body-limit-mb', options['body-limit-mb'], 1) * 1024 * 1024;
    const verifiers = await loadCustomVerifiers(options.verifier === undefined ? [] : options.verifier.split(','));
    const server = await startServer({
      host,
      port,
      threads,
      timeoutMs,
      verifiers,
      token: token === '' ? undefined : token,
      task: options.task,
      maxQueue,
      bodyLimit,
    });
    const signal = io.stop?.claim('draining: refusing new requests, answering those in flight');
    io.stderr.write(
      `rlvr serve: listening on ${server.url} (task ${options.task ?? 'math'}${verifiers.length > 0 ? `, custom verifiers ${verifiers.map((v) => v.name).join(', ')}` : ''}${token ? ', bearer token required' : ''})\n`,
    );
    await new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    io.stderr.write('rlvr serve: stopped; every request in flight was answered\n');
    return 0;
  },
});
