/**
 * Selects `sampling.device cpu` in a fresh process and prints, as one JSON line, the selection, the
 * lines it logged and whether Dawn's addon is mapped afterwards (Linux: /proc/self/maps).
 */
import { readFileSync } from 'node:fs';
import { selectSamplingDevice } from '../sampling-device.js';

const lines: string[] = [];
const selection = await selectSamplingDevice('cpu', { log: (line) => lines.push(line) });
const dawnLoaded = readFileSync('/proc/self/maps', 'utf8').includes('dawn.node');
process.stdout.write(`${JSON.stringify({ selection, lines, dawnLoaded })}\n`);
