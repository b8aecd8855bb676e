/**
 * A real `rlvr serve` process stopped by SIGTERM while a request is in flight: the request is answered
 * whole, then the process exits 0. Bounds are states polled for (the queue's item count), never a time.
 */
import { fileURLToPath } from 'node:url';
import type { VerificationResult } from '@rlvr/verifiers';
import { get, post, until } from '../src/serve/testing.js';
import { spawnRlvr } from './rlvr-process.js';

const FAULTY = fileURLToPath(new URL('../src/serve/__fixtures__/faulty-verifiers.mjs', import.meta.url));

test('SIGTERM drains: the request in flight is answered whole, then the process exits 0', async () => {
  const proc = spawnRlvr(['serve', '--port', '0', '--threads', '1', '--verifier', `slow=${FAULTY}`]);
  const exitedEarly = proc.exited.then(({ code }) => new Error(`rlvr serve ended (code ${code}): ${proc.stderr()}`));
  await Promise.race([until(async () => /listening on/.test(proc.stderr())), exitedEarly.then((e) => Promise.reject(e))]);
  const url = /listening on (http:\/\/\S+)/.exec(proc.stderr())![1]!;
  const items = Array.from({ length: 3 }, () => ({ response: '200', reference: '200' }));
  const inFlight = post<{ results: VerificationResult[] }>(`${url}/v1/verify`, { task: 'slow', items });
  await until(async () => (await get<{ queue: { items: number } }>(`${url}/healthz`)).body.queue.items === 3);
  proc.child.kill('SIGTERM');
  const reply = await inFlight;
  expect(reply.status).toBe(200);
  expect(reply.body.results.map((r) => r.reason)).toEqual(['correct', 'correct', 'correct']);
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  expect(proc.stderr()).toContain('rlvr serve: SIGTERM: draining');
  expect(proc.stderr()).toContain('rlvr serve: stopped; every request in flight was answered');
});
