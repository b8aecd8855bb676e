/**
 * One place that creates the cpu backend's ONNX Runtime sessions (matrix products, row softmax), so
 * every session gets the same threading: `threads` intra-op threads, one product at a time
 * (sequential, one inter-op thread), full graph optimisation, and — unless asked for — no spinning.
 * Why no spinning: ORT runs `session.run` on the JS thread itself, and its idle pool threads busy-wait
 * for the next op by default; on a 2-core machine that spin steals the core that the JS ops between
 * two products (and any other process) need. With spinning off, the pool threads sleep between runs.
 */
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import { cpuThreadsFromEnv, encodeOnnxModel, type OnnxModel } from '@rlvr/core';

/** Intra-op threads when the caller gives none: `RLVR_CPU_THREADS`, else every available core. */
export function defaultCpuThreads(): number {
  return cpuThreadsFromEnv() ?? availableParallelism();
}

/** Threading of a cpu-backend session. */
export interface OrtThreading {
  /** Intra-op threads (≥ 1). */
  threads: number;
  /** Let idle intra-op threads busy-wait between runs (ORT's default; off here, see the module comment). */
  spinning: boolean;
}

/** Creates a session for an in-memory graph with the cpu backend's threading. */
export function createOrtSession(model: OnnxModel, threading: OrtThreading): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeOnnxModel(model), {
    intraOpNumThreads: threading.threads,
    // One product at a time: inter-op parallelism would only oversubscribe the cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Session config entry `session.intra_op.allow_spinning` (onnxruntime_session_options_config_keys.h).
    extra: { session: { intra_op: { allow_spinning: threading.spinning ? '1' : '0' } } },
  });
}
