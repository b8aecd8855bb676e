import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@rlvr/core';
import { withStorage } from '../errors.js';
import { RUN_FILES } from '../metrics/run-layout.js';
import type { TrainConfig } from './schema.js';

/**
 * Write the resolved configuration (every default filled in) to `RUN_DIR/config.json`, atomically:
 * the report and a resumed run read it back, so it must never be half-written.
 */
export function writeRunConfig(runDir: string, config: TrainConfig): string {
  const consequence = 'the run did not start (nothing else was written)';
  withStorage(runDir, 'create', () => mkdirSync(runDir, { recursive: true }), consequence);
  const path = join(runDir, RUN_FILES.config);
  withStorage(path, 'write', () => writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`), consequence);
  return path;
}
