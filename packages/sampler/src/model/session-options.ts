/**
 * The ORT session options of every sampler session: its execution provider (the device, see
 * execution-device.ts), all graph optimisations, intra-op threads from the machine, and whether idle
 * pool threads spin.
 *
 * Threads: `intraOpNumThreads` if given, else `RLVR_CPU_THREADS`, else every available core
 * (`os.availableParallelism()`, which honours the process's CPU affinity, unlike ORT's own default).
 *
 * Spinning: ORT's intra-op pool threads busy-wait for the next op by default. `session.run` executes on
 * the calling (JS) thread, so between runs — while the sampler picks tokens in JS, or while the
 * trainer's backend runs in the same process — the spinning threads take the cores the JS work needs.
 * Measured in docs/benchmarks/sampler.md (2026-12-06): the default here is off.
 */
import type * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import { cpuThreadsFromEnv } from '@rlvr/core';
import type { SamplerDevice } from './execution-device.js';

/** Threading and diagnostics of a sampler session. */
export interface SessionThreading {
  /** ORT intra-op threads; default `RLVR_CPU_THREADS`, else every available core. */
  intraOpNumThreads?: number;
  /** Let idle intra-op threads busy-wait between ops and runs (ORT's default); default false (see the module comment). */
  spinning?: boolean;
  /** Execution provider: `cpu` (default) or `webgpu` (ORT's WebGPU EP; see execution-device.ts). */
  device?: SamplerDevice;
  /** Write ORT's per-node profile (JSON) with this file prefix; written when the session is released. */
  profileFilePrefix?: string;
}

/** Intra-op threads: `intraOpNumThreads` if given, else `RLVR_CPU_THREADS` (from `env`), else every available core. */
export function samplerThreads(
  intraOpNumThreads?: number,
  env: Record<string, string | undefined> = process.env,
): number {
  return intraOpNumThreads || (cpuThreadsFromEnv(env) ?? availableParallelism());
}

/** The session options for `options` (see the module comment). */
export function sessionOptions(options: SessionThreading): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [options.device ?? 'cpu'],
    graphOptimizationLevel: 'all',
    // Under webgpu ORT warns on every session that the shape ops went to its CPU EP; that split is
    // intended (execution-device.ts), and the warning would repeat on each weight swap's rebuild.
    ...(options.device === 'webgpu' ? { logSeverityLevel: 3 as const } : {}),
    intraOpNumThreads: samplerThreads(options.intraOpNumThreads),
    // One node at a time: the decode graph is a chain, inter-op threads would only oversubscribe.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Session config entry `session.intra_op.allow_spinning` (onnxruntime_session_options_config_keys.h).
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
    ...(options.profileFilePrefix === undefined
      ? {}
      : { enableProfiling: true, profileFilePrefix: options.profileFilePrefix }),
  };
}
