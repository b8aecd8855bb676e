import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes bytes, text and a sequence of chunks, each replacing the file whole', () => {
    const path = join(dir, 'f');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    writeFileAtomic(path, 'héllo');
    expect(readFileSync(path, 'utf8')).toBe('héllo');
    function* chunks(): Generator<Uint8Array> {
      yield new Uint8Array([9]);
      yield new Uint8Array(0);
      yield new Uint8Array([8, 7]);
    }
    writeFileAtomic(path, chunks());
    expect([...readFileSync(path)]).toEqual([9, 8, 7]);
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('an error while producing the chunks leaves the previous file and no temporary file', () => {
    const path = join(dir, 'f');
    writeFileAtomic(path, 'old');
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array(1000).fill(1);
      throw new Error('tensor 2 is invalid');
    }
    expect(() => writeFileAtomic(path, failing())).toThrow('tensor 2 is invalid');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });
});
