/**
 * `rlvr serve` over real HTTP on loopback (an ephemeral port), with the real verifier pool and
 * custom verifier modules: the protocols, the advantages against hand-worked values, and every fault
 * and bad input of the server's contract. No assertion is on wall-clock time.
 */
import { fileURLToPath } from 'node:url';
import type { VerificationResult } from '@rlvr/verifiers';
import { CliError } from '../cli/cli-error.js';
import { stopHandleOf } from '../cli/graceful-stop.js';
import { serveCommand } from '../commands/serve.js';
import { captureIo } from '../testing/capture-io.js';
import { isLoopback, requireTokenOffLoopback } from './access.js';
import type { GetRewardReply } from './get-reward.js';
import { startServer, type RlvrServer } from './server.js';
import { loadCustomVerifiers } from './tasks.js';
import { get, post, until, type JsonReply } from './testing.js';

const FAULTY = fileURLToPath(new URL('./__fixtures__/faulty-verifiers.mjs', import.meta.url));
const TOKEN = 'test-token-1234';
const AUTH = { authorization: `Bearer ${TOKEN}` };

type Results = { results: VerificationResult[] };
type Health = { status: string; queue: { items: number; maxItems: number } };

let server: RlvrServer;
/** A second server with a tiny queue and body limit, a token, and one thread. */
let tight: RlvrServer;

beforeAll(async () => {
  const verifiers = await loadCustomVerifiers(['spins', 'throws', 'exits', 'slow'].map((n) => `${n}=${FAULTY}`));
  [server, tight] = await Promise.all([
    startServer({ port: 0, threads: 2, timeoutMs: 1000, verifiers, bodyLimit: 32 * 1024 * 1024 }),
    startServer({ port: 0, threads: 1, timeoutMs: 5000, verifiers, maxQueue: 4, bodyLimit: 1024 * 1024, token: TOKEN }),
  ]);
});

afterAll(async () => {
  await Promise.all([server?.close(), tight?.close()]);
});

describe('POST /get_reward (OpenRLHF --reward.remote_url)', () => {
  test('OpenRLHF’s request shape: the prompt is stripped from each query, rewards/scores/extra_logs per sample', async () => {
    // The prompt itself holds a boxed wrong answer: read from the query, it would decide the reward.
    const prompt = 'Example: $\\boxed{7}$. Now compute 1+1.';
    const reply = await post<GetRewardReply>(`${server.url}/get_reward`, {
      query: [`${prompt} So the answer is $\\boxed{2}$.`, `${prompt} I get $\\boxed{3}$.`, `${prompt} no idea`],
      prompts: [prompt, prompt, prompt],
      labels: ['2', '2', '2'],
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      rewards: [1, 0, 0],
      scores: [1, 0, 0],
      extra_logs: { correct: [1, 0, 0], format_ok: [1, 1, 0], timeout: [0, 0, 0] },
      reasons: ['correct', expect.stringMatching(/^wrong-answer/), 'no-answer'],
    });
  });

  test('the verifier per item: a label envelope, data_source (verl ids), the request task, the server default', async () => {
    const reply = await post<GetRewardReply>(`${server.url}/get_reward`, {
      query: ['<answer>(3 + 5) * 3</answer>', '#### 18', 'The answer is $\\frac12$.'],
      labels: [{ task: 'countdown', reference: { target: 24, nums: [3, 5, 3] } }, '18', '0.5'],
      data_source: ['ignored-for-an-envelope', 'openai/gsm8k', 'lighteval/MATH'],
    });
    expect(reply.body.reasons).toEqual(['correct', 'correct', 'correct']);
    const byTask = await post<GetRewardReply>(`${server.url}/get_reward`, { query: ['#### 18'], labels: ['18'], task: 'gsm8k' });
    expect(byTask.body.rewards).toEqual([1]);
    // The default task is math, which does not read a bare `#### 18`.
    const byDefault = await post<GetRewardReply>(`${server.url}/get_reward`, { query: ['#### 18'], labels: ['18'] });
    expect(byDefault.body.rewards).toEqual([0]);
  });

  test('mismatched lengths, missing labels and unknown tasks are 400s naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ query: ['a', 'b'], labels: ['1'] }, /^body\.labels: expected 2 entries \(one per query\), got 1$/],
      [{ query: ['a'], prompts: [], labels: ['1'] }, /^body\.prompts: expected 1 entries/],
      [{ query: ['a'] }, /^body\.labels: missing/],
      [{ query: ['a'], labels: [null] }, /^body\.labels\[0\]: null/],
      [{ query: ['a'], labels: ['1'], data_source: ['nope'] }, /^body\.data_source\[0\]: unknown task "nope"/],
      [{ query: ['a'], labels: [{ task: 7, reference: '1' }] }, /^body\.labels\[0\]\.task: expected a string/],
      [{ query: 'a', labels: ['1'] }, /^body\.query: must be array$/],
      [{ query: ['a', 5], labels: ['1', '2'] }, /^body\.query\[1\]: must be string$/],
      [{ labels: ['1'] }, /^body\.query: missing \(required\)$/],
    ];
    for (const [body, message] of cases) {
      const reply = await post(`${server.url}/get_reward`, body);
      expect([JSON.stringify(body), reply.status]).toEqual([JSON.stringify(body), 400]);
      expect(reply.body.error).toMatch(message);
    }
  });
});

describe('POST /v1/verify', () => {
  test('each item’s full verdict in order; a per-item task overrides the request’s', async () => {
    const reply = await post<Results>(`${server.url}/v1/verify`, {
      task: 'gsm8k',
      items: [
        { response: 'so #### 42', reference: '42' },
        { response: 'so #### 41', reference: '42' },
        { response: 'It is $\\boxed{\\dfrac{\\sqrt3}{2}}$.', reference: '\\frac{\\sqrt{3}}{2}', task: 'math' },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([
      { reward: 1, correct: true, formatOk: true, extracted: '42', reason: 'correct' },
      { reward: 0, correct: false, formatOk: true, extracted: '41', reason: expect.stringMatching(/^wrong-answer/) },
      { reward: 1, correct: true, formatOk: true, extracted: '\\dfrac{\\sqrt3}{2}', reason: 'correct' },
    ]);
  });

  test('a verifier module can only come from the command line: a path as a task is an unknown task', async () => {
    const reply = await post(`${server.url}/v1/verify`, { task: FAULTY, items: [{ response: 'x', reference: 'x' }] });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/^body\.task: unknown task/);
    const extra = await post(`${server.url}/v1/verify`, { module: FAULTY, items: [] });
    expect(extra.body.error).toBe('body: unknown property "module"');
  });
});

describe('POST /v1/advantages and GET /v1/weightings', () => {
  test('Linear-R and GRPO advantages and ρ̂ against values worked out by hand', async () => {
    // Group 1: one success of 4, ρ̂ = 1/4: Linear-R gives (1−ρ̂)/ρ̂ = 3 to the success, −1 to the rest.
    // Group 2: no success: the weighting's limit −h(0) = −1 each.
    const linear = await post<{ advantages: number[]; rho: number[] }>(`${server.url}/v1/advantages`, {
      weighting: 'linear-r',
      groupSize: 4,
      rewards: [1, 0, 0, 0, 0, 0, 0, 0],
    });
    expect(linear.status).toBe(200);
    expect(linear.body.advantages).toEqual([3, -1, -1, -1, -1, -1, -1, -1]);
    expect(linear.body.rho).toEqual([0.25, 0]);
    // GRPO, sample std of (1, 0, 0, 0) = √((0.75² + 3·0.25²)/3) = 0.5; ε = 1e-6.
    const grpo = await post<{ advantages: number[] }>(`${server.url}/v1/advantages`, {
      weighting: 'grpo',
      groupSize: 4,
      rewards: [1, 0, 0, 0],
    });
    const expected = [0.75, -0.25, -0.25, -0.25].map((d) => d / (0.5 + 1e-6));
    grpo.body.advantages.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, 6));
    // Zero-variance groups with `zero`: no gradient; Countdown's 0.1 binarized at 1 is a failure.
    const zero = await post<{ advantages: number[]; rho: number[] }>(`${server.url}/v1/advantages`, {
      weighting: 'sqrt-r',
      groupSize: 2,
      rewards: [0.1, 0.1],
      zeroVariance: 'zero',
      binarizeThreshold: 1,
    });
    expect(zero.body).toMatchObject({ advantages: [0, 0], rho: [0], zeroVariance: 'zero' });
  });

  test('bad arguments are 400s naming the body field', async () => {
    const cases: [unknown, string][] = [
      [{ weighting: 'linear-r', groupSize: 4, rewards: [1, 0, 0, 2] }, 'body.rewards[3]: expected a reward in [0, 1]'],
      [{ weighting: 'plateau-r', parameters: { threshold: 2 }, groupSize: 2, rewards: [1, 0] }, 'body.parameters.threshold:'],
      [{ weighting: 'linear-r', groupSize: 3, rewards: [1, 0] }, 'body.rewards: expected a multiple of groupSize = 3'],
      [{ weighting: 'linear-r', groupSize: 1, rewards: [1] }, 'body.groupSize: must be >= 2'],
      [{ weighting: 'nope', groupSize: 2, rewards: [1, 0] }, 'body.weighting: expected one of grpo,'],
      [{ weighting: 'grpo', groupSize: '2', rewards: [1, 0] }, 'body.groupSize: must be integer'],
      [{ weighting: 'grpo', groupSize: 2, rewards: [1, '0'] }, 'body.rewards[1]: must be number'],
      [{ weighting: 'grpo', groupSize: 2, rewards: [1, 0], zero_variance: 'zero' }, 'body: unknown property "zero_variance"'],
    ];
    for (const [body, message] of cases) {
      const reply = await post(`${server.url}/v1/advantages`, body);
      expect([JSON.stringify(body), reply.status]).toEqual([JSON.stringify(body), 400]);
      expect(reply.body.error.startsWith(message)).toBe(true);
    }
  });

  test('GET /v1/weightings lists every weighting with its parameters and provenance', async () => {
    const reply = await get<{ weightings: { name: string; provenance: string; parameters: object }[] }>(`${server.url}/v1/weightings`);
    const byName = Object.fromEntries(reply.body.weightings.map((w) => [w.name, w]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['grpo', 'rloo', 'linear-r', 'sqrt-r', 'plateau-r', 'cost-aware']));
    expect(byName['linear-r']).toMatchObject({ provenance: 'confirmed', silentAtEndpoints: false });
    expect(byName['plateau-r']!.parameters).toEqual({ threshold: 0.5 });
  });
});

describe('faults', () => {
  test('an item that never returns times out alone; the rest of its request completes', async () => {
    const reply = await post<Results>(`${server.url}/v1/verify`, {
      task: 'spins',
      items: [
        { response: 'a', reference: 'a' },
        { response: 'spin', reference: 'a' },
        { response: 'b', reference: 'b' },
      ],
    });
    expect(reply.body.results.map((r) => r.reason)).toEqual(['correct', 'timeout', 'correct']);
  });

  test('pathological MATH items (10 MB of LaTeX, 9^{9^{9^{9}}}) score 0 alone; their neighbours are verified', async () => {
    const huge = `$\\boxed{${'\\frac{1}{2}+'.repeat(1_000_000)}1}$`;
    const reply = await post<Results>(`${server.url}/v1/verify`, {
      task: 'math',
      items: [
        { response: 'The answer is $\\boxed{4}$.', reference: '4' },
        { response: huge, reference: '1' },
        { response: 'The answer is $\\boxed{9^{9^{9^{9}}}}$.', reference: '5' },
        { response: 'The answer is $\\boxed{5}$.', reference: '5' },
      ],
    });
    expect(huge.length).toBeGreaterThan(10_000_000);
    expect(reply.status).toBe(200);
    const [first, big, tower, last] = reply.body.results;
    expect([first!.reason, last!.reason]).toEqual(['correct', 'correct']);
    // Refused for size or cut at the time limit: either way reward 0, with the reason saying which.
    for (const r of [big!, tower!]) {
      expect(r.reward).toBe(0);
      expect(r.reason).toMatch(/^(timeout|too-complex|wrong-answer)/);
    }
  });

  test('a throwing or crashing custom verifier fails its items with a reason and the server stays up', async () => {
    const thrown = await post<Results>(`${server.url}/v1/verify`, {
      task: 'throws',
      items: [
        { response: 'boom', reference: 'x' },
        { response: 'x', reference: 'x' },
      ],
    });
    expect(thrown.body.results.map((r) => r.reason)).toEqual(['error: kaboom', 'correct']);
    const exited = await post<Results>(`${server.url}/v1/verify`, {
      task: 'exits',
      items: [
        { response: 'y', reference: 'y' },
        { response: 'exit', reference: 'y' },
        { response: 'z', reference: 'z' },
      ],
    });
    expect(exited.body.results.map((r) => r.reason)).toEqual(['correct', expect.stringMatching(/^error: /), 'correct']);
    expect((await get<Health>(`${server.url}/healthz`)).body.status).toBe('ok');
  });
});

describe('bad input', () => {
  test('malformed JSON, an empty body, a wrong content type and an unknown route: a one-line error, no stack trace', async () => {
    const cases: [JsonReplyPromise, number, RegExp][] = [
      [post(`${server.url}/v1/verify`, '{"items": [{"respo'), 400, /^body: invalid JSON: /],
      [post(`${server.url}/v1/verify`, ''), 400, /^body: empty; expected a JSON object$/],
      [post(`${server.url}/v1/verify`, '[]'), 400, /^body: must be object$/],
      [post(`${server.url}/v1/verify`, 'x', { 'content-type': 'text/plain' }), 415, /^content-type: expected application\/json$/],
      [get(`${server.url}/v2/verify`), 404, /^no route GET \/v2\/verify; routes: /],
    ];
    for (const [pending, status, message] of cases) {
      const reply = await pending;
      expect(reply.status).toBe(status);
      expect(reply.body.error).toMatch(message);
      expect(reply.text).not.toMatch(/\n\s+at /);
    }
  });

  test('a body over the limit is a 413 naming the limit', async () => {
    const reply = await post(`${tight.url}/v1/verify`, { items: [{ response: 'x'.repeat(1_100_000), reference: '1' }] }, AUTH);
    expect(reply.status).toBe(413);
    expect(reply.body.error).toBe('body: larger than the limit of 1048576 bytes (--body-limit-mb)');
  });
});

describe('backpressure, access and drain', () => {
  test('a full queue answers 503 with Retry-After; the admitted request completes; more items than the queue is a 413', async () => {
    const slow = (n: number) => Array.from({ length: n }, () => ({ response: '300', reference: '300' }));
    const first = post<Results>(`${tight.url}/v1/verify`, { task: 'slow', items: slow(4) }, AUTH);
    await until(async () => (await get<Health>(`${tight.url}/healthz`)).body.queue.items === 4);
    const refused = await post(`${tight.url}/v1/verify`, { task: 'slow', items: slow(1) }, AUTH);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.error).toMatch(/^queue full/);
    expect((await first).body.results.map((r) => r.reason)).toEqual(['correct', 'correct', 'correct', 'correct']);
    const retried = await post<Results>(`${tight.url}/v1/verify`, { task: 'slow', items: slow(1) }, AUTH);
    expect(retried.status).toBe(200);
    const tooMany = await post(`${tight.url}/v1/verify`, { task: 'slow', items: slow(5) }, AUTH);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatch(/^body: 5 items, more than the 4 the queue holds \(--max-queue\)/);
    const metrics = await get(`${tight.url}/metrics`, AUTH);
    expect(metrics.text).toMatch(/^rlvr_serve_rejected_total 1$/m);
  });

  test('with --token every route but /healthz needs the bearer token', async () => {
    expect((await get(`${tight.url}/v1/weightings`)).status).toBe(401);
    const wrong = await get(`${tight.url}/metrics`, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get(`${tight.url}/v1/weightings`, AUTH)).status).toBe(200);
    expect((await get(`${tight.url}/healthz`)).status).toBe(200);
  });

  test('off loopback the server refuses to start without a token', () => {
    expect(['127.0.0.1', '127.8.0.1', 'localhost', '::1', '[::1]'].map(isLoopback)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false]);
    expect(() => requireTokenOffLoopback('0.0.0.0', undefined)).toThrow(CliError);
    expect(() => requireTokenOffLoopback('0.0.0.0', undefined)).toThrow(/^--token: required when --host is not a loopback/);
    expect(() => requireTokenOffLoopback('0.0.0.0', TOKEN)).not.toThrow();
  });

  test('--verifier values are checked at start-up', async () => {
    await expect(loadCustomVerifiers(['spins'])).rejects.toThrow(/^--verifier: expected NAME=MODULE/);
    await expect(loadCustomVerifiers([`capital=${FAULTY}`])).rejects.toThrow(
      /^--verifier: capital: .* exports no verifier named "capital" \(its default export names "spins", "throws", "exits", "slow"\)$/,
    );
    await expect(loadCustomVerifiers(['x=/nonexistent/x.mjs'])).rejects.toThrow(/^--verifier: x: cannot import/);
  });

  test('GET /metrics counts requests, items by outcome, timeouts, latency and the pool', async () => {
    const before = await get(`${server.url}/metrics`);
    const count = (text: string, line: RegExp) => Number(line.exec(text)?.[1] ?? 0);
    const correct = /^rlvr_serve_items_total\{verifier="gsm8k",outcome="correct"\} (\d+)$/m;
    await post(`${server.url}/v1/verify`, {
      task: 'gsm8k',
      items: [
        { response: '#### 1', reference: '1' },
        { response: '#### 2', reference: '2' },
      ],
    });
    const after = await get(`${server.url}/metrics`);
    expect(after.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(count(after.text, correct) - count(before.text, correct)).toBe(2);
    expect(after.text).toMatch(/^rlvr_serve_pool_threads 2$/m);
    expect(after.text).toMatch(/^rlvr_serve_item_timeouts_total \d+$/m);
    expect(after.text).toMatch(/^rlvr_serve_requests_total\{route="\/v1\/verify",status="200"\} \d+$/m);
    expect(after.text).toMatch(/^rlvr_serve_request_duration_seconds_count\{route="\/v1\/verify"\} \d+$/m);
    expect(after.text).toMatch(/^rlvr_serve_process_resident_memory_bytes \d+$/m);
  });

  test('stopping rlvr serve answers the requests in flight, then returns 0', async () => {
    const controller = new AbortController();
    const io = captureIo();
    const running = serveCommand.run(['--port', '0', '--threads', '1', '--verifier', `slow=${FAULTY}`], {
      ...io,
      stop: stopHandleOf(controller),
    });
    await until(async () => io.err().includes('listening on'));
    const url = /listening on (http:\/\/\S+)/.exec(io.err())![1]!;
    const slow = Array.from({ length: 3 }, () => ({ response: '200', reference: '200' }));
    const inFlight = post<Results>(`${url}/v1/verify`, { task: 'slow', items: slow });
    await until(async () => (await get<Health>(`${url}/healthz`)).body.queue.items === 3);
    controller.abort('SIGTERM');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.body.results.map((r) => r.reason)).toEqual(['correct', 'correct', 'correct']);
    expect(await running).toBe(0);
    expect(io.err()).toContain('rlvr serve: stopped; every request in flight was answered');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

type JsonReplyPromise = Promise<JsonReply>;
