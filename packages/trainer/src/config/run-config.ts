import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@rlvr/core';
import { RUN_FILES } from '../metrics/run-layout.js';
import type { TrainConfig } from './schema.js';

/**
 * Write the resolved configuration (every default filled in) to `RUN_DIR/config.json`, atomically:
 * the report and a resumed run read it back, so it must never be half-written.
 */
export function writeRunConfig(runDir: string, config: TrainConfig): string {
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, RUN_FILES.config);
  writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}
