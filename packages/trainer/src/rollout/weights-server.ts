/**
 * The trainer's side of weight distribution: each policy version is written once as an f32 safetensors
 * file (atomic, so a reader never sees half of one) and served over HTTP (Fastify) with the version in
 * the path, so a worker fetches a version once, whatever number of jobs it then samples with it.
 * Versions no queued job can still ask for are deleted. The session route tells a worker the run's
 * config and the model directory's other files (config.json, tokenizer), which it caches.
 *
 * Every route needs `Authorization: Bearer <token>`; the token is random per trainer session and
 * reaches workers inside the job data, so whoever can read the queue's Redis can fetch the weights.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { writeSafetensors, type NamedTensors } from '@rlvr/core';
import { bearerMatches } from '../serve/access.js';

/** What a worker learns about a session before its first job. */
export interface SessionManifest {
  session: string;
  /** The run's validated config (the worker's reward setup and task come from it). */
  config: unknown;
  /** Files of the model directory besides the weights (config.json, tokenizer files, …). */
  files: string[];
}

/** A running weights server. */
export interface WeightsServer {
  /** Base URL workers use (`http://ADVERTISED:PORT`). */
  readonly url: string;
  /** The session's bearer token. */
  readonly token: string;
  /** Write version `version` of the weights (replacing one of the same number) and serve it. */
  publish(version: number, weights: NamedTensors): void;
  /** Delete the versions below `oldest` (no queued job asks for them any more). */
  prune(oldest: number): void;
  /** Stop serving; the version files are removed. */
  close(): Promise<void>;
}

/** Options of {@link startWeightsServer}. */
export interface WeightsServerOptions {
  session: string;
  config: unknown;
  /** The model directory whose non-weight files are served. */
  modelDir: string;
  /** Where version files are written (created; emptied at close). */
  dir: string;
  host: string;
  port: number;
  /** Host name workers reach this machine at (null: the first non-loopback IPv4 address). */
  advertise: string | null;
}

/** Files of a model directory a worker needs besides the weights. */
export function modelSideFiles(modelDir: string): string[] {
  return readdirSync(modelDir)
    .filter((name) => statSync(join(modelDir, name)).isFile())
    .filter((name) => !/\.(safetensors|onnx|onnx_data|bin|pt|pth)$/.test(name))
    .filter((name) => name !== 'model.safetensors.index.json')
    .sort();
}

/** This machine's first non-internal IPv4 address, else 127.0.0.1. */
export function defaultAdvertisedHost(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const versionFile = (dir: string, version: number): string => join(dir, `v${version}.safetensors`);

/** Start serving a session's weights; see the module comment. */
export async function startWeightsServer(options: WeightsServerOptions): Promise<WeightsServer> {
  const { dir, modelDir } = options;
  mkdirSync(dir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  const files = modelSideFiles(modelDir);
  const manifest: SessionManifest = { session: options.session, config: options.config, files };
  const versions = new Set<number>();
  const app: FastifyInstance = Fastify({ logger: false });
  app.addHook('onRequest', async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      await reply.code(401).send({ error: 'missing or wrong bearer token' });
    }
  });
  app.get('/session', async () => manifest);
  app.get<{ Params: { name: string } }>('/files/:name', async (request, reply) => {
    const { name } = request.params;
    if (!files.includes(name)) return reply.code(404).send({ error: `no model file ${JSON.stringify(name)}` });
    const path = join(modelDir, name);
    return reply.header('content-length', statSync(path).size).send(createReadStream(path));
  });
  app.get<{ Params: { version: string } }>('/weights/:version', async (request, reply) => {
    const version = Number(request.params.version);
    const path = versionFile(dir, version);
    if (!Number.isSafeInteger(version) || !versions.has(version) || !existsSync(path)) {
      return reply.code(404).send({
        error: `weights version ${request.params.version} is not served (held: ${[...versions].join(', ') || 'none'})`,
      });
    }
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', statSync(path).size)
      .send(createReadStream(path));
  });
  await app.listen({ host: options.host, port: options.port });
  const port = (app.server.address() as AddressInfo).port;
  const host = options.advertise ?? defaultAdvertisedHost();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    publish(version, weights) {
      writeSafetensors(versionFile(dir, version), weights);
      versions.add(version);
    },
    prune(oldest) {
      for (const v of [...versions]) {
        if (v >= oldest) continue;
        versions.delete(v);
        rmSync(versionFile(dir, v), { force: true });
      }
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
