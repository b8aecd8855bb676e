import { describeSkippedRecords, SKIPPED_LINES_SHOWN } from './skipped-records.js';

describe('describeSkippedRecords', () => {
  test('one line per file: the exact count, the first line numbers and the first reason', () => {
    const lines = Array.from({ length: SKIPPED_LINES_SHOWN + 2 }, (_, i) => 2 * i + 3);
    const skipped = [...lines.map((line) => ({ file: 'train.jsonl', line, reason: `bad ${line}` })), { file: 'test.jsonl', line: 4, reason: 'reference.target: expected a safe integer' }];
    expect(describeSkippedRecords(skipped)).toEqual([
      'task.onMalformed skip: skipped 7 malformed records of train.jsonl (line 3, 5, 7, 9, 11, …); the first: bad 3',
      'task.onMalformed skip: skipped 1 malformed record of test.jsonl (line 4); the first: reference.target: expected a safe integer',
    ]);
  });

  test('nothing skipped: no line', () => {
    expect(describeSkippedRecords([])).toEqual([]);
  });
});
