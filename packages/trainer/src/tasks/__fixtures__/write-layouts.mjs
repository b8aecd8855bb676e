// Writes the layout fixtures of layouts.test.ts: a few records of each dataset layout that RL
// codebases publish, with the published column names and nesting, as JSONL and (for the verl-style
// layouts, which are distributed as parquet) as parquet with the schema pyarrow gives them.
// The problems are our own. Run from a folder with hyparquet-writer 0.17.0 installed:
//   node write-layouts.mjs <this folder>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';

const out = process.argv[2];
if (!out) throw new Error('usage: node write-layouts.mjs OUT_DIR');

function jsonl(name, records) {
  writeFileSync(join(out, name), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function jsonArray(name, records) {
  writeFileSync(join(out, name), JSON.stringify(records, null, 2) + '\n');
}

// Schema elements as pyarrow writes them: strings are UTF8 byte arrays, every field optional,
// lists the 3-level LIST (list → element), structs plain groups.
const string = (name) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
const int64 = (name) => ({ name, type: 'INT64', repetition_type: 'OPTIONAL' });
const struct = (name, children) => [{ name, repetition_type: 'OPTIONAL', num_children: children.length }, ...children.flat()];
const list = (name, element) => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ...(Array.isArray(element) ? [{ ...element[0], name: 'element' }, ...element.slice(1)] : [{ ...element, name: 'element' }]),
];
const messages = (name) => list(name, struct('element', [string('content'), string('role')]));

function parquet(name, columns, records) {
  const schema = [{ name: 'schema', num_children: columns.length }, ...columns.map(([, elements]) => elements).flat()];
  parquetWriteFile({
    filename: join(out, name),
    columnData: columns.map(([column]) => ({ name: column, data: records.map((r) => r[column] ?? null) })),
    schema,
  });
}

// openai/gsm8k (config "main"): question, answer = worked solution with <<calc>> notes ending "#### N".
jsonl('openai-gsm8k.jsonl', [
  { question: 'A baker makes 14 rolls each hour for 6 hours. How many rolls does she make?', answer: 'She makes 14 * 6 = <<14*6=84>>84 rolls.\n#### 84' },
  { question: 'Sam had 1,500 stamps and gave away 260. How many are left?', answer: 'He has 1500 - 260 = <<1500-260=1240>>1240 left.\n#### 1,240' },
]);

// MATH (hendrycks, as DigitalLearningGmbH/MATH-lighteval keeps it): problem, level, type, solution with \boxed{}.
jsonl('math.jsonl', [
  { problem: 'What is $\\frac{3}{4} + \\frac{1}{8}$?', level: 'Level 1', type: 'Prealgebra', solution: 'With a common denominator, $\\frac{6}{8} + \\frac{1}{8} = \\boxed{\\frac{7}{8}}$.' },
  { problem: 'Solve $2x + 3 = 11$ for $x$.', level: 'Level 1', type: 'Algebra', solution: 'Subtract 3: $2x = 8$, so $x = \\boxed{4}$.' },
]);

// MATH-500 (HuggingFaceH4/MATH-500): problem, solution, answer, subject, level, unique_id.
jsonl('math-500.jsonl', [
  { problem: 'How many positive divisors does 36 have?', solution: '$36 = 2^2 3^2$ has $(2+1)(2+1) = \\boxed{9}$ divisors.', answer: '9', subject: 'Number Theory', level: 2, unique_id: 'test/number_theory/1.json' },
  { problem: 'Simplify $\\sqrt{50}$.', solution: '$\\sqrt{50} = \\sqrt{25 \\cdot 2} = \\boxed{5\\sqrt{2}}$.', answer: '5\\sqrt{2}', subject: 'Algebra', level: 1, unique_id: 'test/algebra/2.json' },
]);

// DeepScaleR-Preview-Dataset (agentica-org): one JSON array (deepscaler.json) of problem, answer,
// solution (sometimes empty).
jsonArray('deepscaler.json', [
  { problem: 'Find the remainder when $7^{10}$ is divided by 5.', answer: '4', solution: '$7 \\equiv 2$, and $2^{10} = 1024 \\equiv 4 \\pmod 5$, so the remainder is $\\boxed{4}$.' },
  { problem: 'The sum of two numbers is 12 and their product is 35. What is the larger one?', answer: '7', solution: '' },
]);

// Countdown-Tasks-3to4 (Jiayi-Pan): target, nums.
jsonl('countdown-tasks-3to4.jsonl', [
  { target: 24, nums: [2, 3, 4] },
  { target: 98, nums: [44, 19, 35] },
]);

// The verl preprocessed layout (examples/data_preprocess/gsm8k.py): the question plus an instruction
// as one user message, the extracted number as reward_model.ground_truth, the raw fields in extra_info.
const verlGsm8k = [
  {
    data_source: 'openai/gsm8k',
    prompt: [{ role: 'user', content: 'A baker makes 14 rolls each hour for 6 hours. How many rolls does she make? Think step by step and give the final answer after "####".' }],
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: '84' },
    extra_info: { split: 'train', index: 0n, answer: 'She makes 14 * 6 = <<14*6=84>>84 rolls.\n#### 84', question: 'A baker makes 14 rolls each hour for 6 hours. How many rolls does she make?' },
  },
  {
    data_source: 'openai/gsm8k',
    prompt: [{ role: 'user', content: 'Sam had 1,500 stamps and gave away 260. How many are left? Think step by step and give the final answer after "####".' }],
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: '1240' },
    extra_info: { split: 'train', index: 1n, answer: 'He has 1500 - 260 = <<1500-260=1240>>1240 left.\n#### 1,240', question: 'Sam had 1,500 stamps and gave away 260. How many are left?' },
  },
];
const verlColumns = (groundTruth, extraInfo) => [
  ['data_source', [string('data_source')]],
  ['prompt', messages('prompt')],
  ['ability', [string('ability')]],
  ['reward_model', struct('reward_model', [string('style'), groundTruth])],
  ['extra_info', struct('extra_info', extraInfo)],
];
const plain = (value) => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
jsonl('verl-gsm8k.jsonl', plain(verlGsm8k));
parquet('verl-gsm8k.parquet', verlColumns(string('ground_truth'), [string('split'), int64('index'), string('answer'), string('question')]), verlGsm8k);

// verl's MATH preprocessing (examples/data_preprocess/math_dataset.py): the last \boxed{} of the
// solution as ground_truth, extra_info {split, index}.
const verlMath = [
  {
    data_source: 'DigitalLearningGmbH/MATH-lighteval',
    prompt: [{ role: 'user', content: 'What is $\\frac{3}{4} + \\frac{1}{8}$? Think step by step and put the final answer in \\boxed{}.' }],
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: '\\frac{7}{8}' },
    extra_info: { split: 'test', index: 0n },
  },
  {
    data_source: 'DigitalLearningGmbH/MATH-lighteval',
    prompt: [{ role: 'user', content: 'Solve $2x + 3 = 11$ for $x$. Think step by step and put the final answer in \\boxed{}.' }],
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: '4' },
    extra_info: { split: 'test', index: 1n },
  },
];
parquet('verl-math.parquet', verlColumns(string('ground_truth'), [string('split'), int64('index')]), verlMath);

// DAPO-Math-17k (BytedTsinghua-SIA): verl layout; the prompt asks for a last line "Answer: $Answer",
// ground_truth is an integer as text, extra_info holds a string index.
const dapo = [
  {
    data_source: 'math_dapo',
    prompt: [{ content: 'Solve the problem below step by step. End with a line of the form "Answer: $Answer", where $Answer is the answer.\n\nHow many subsets of {1, 2, 3, 4, 5} have exactly two elements?\n\nPut the answer on its own line after "Answer:".', role: 'user' }],
    ability: 'MATH',
    reward_model: { ground_truth: '10', style: 'rule-lighteval/MATH_v2' },
    extra_info: { index: '0b6f3a52-3d1e-4c8e-9a51-6f0e2d4c7b10' },
  },
  {
    data_source: 'math_dapo',
    prompt: [{ content: 'Solve the problem below step by step. End with a line of the form "Answer: $Answer", where $Answer is the answer.\n\nWhat is the least common multiple of 12 and 18?\n\nPut the answer on its own line after "Answer:".', role: 'user' }],
    ability: 'MATH',
    reward_model: { ground_truth: '36', style: 'rule-lighteval/MATH_v2' },
    extra_info: { index: '7d2c9e41-58a0-4b3f-8c66-1e9f0a3b5d27' },
  },
];
jsonl('dapo-math-17k.jsonl', dapo);
parquet(
  'dapo-math-17k.parquet',
  [
    ['data_source', [string('data_source')]],
    ['prompt', messages('prompt')],
    ['ability', [string('ability')]],
    ['reward_model', struct('reward_model', [string('ground_truth'), string('style')])],
    ['extra_info', struct('extra_info', [string('index')])],
  ],
  dapo,
);

// TinyZero's Countdown preprocessing (examples/data_preprocess/countdown.py, template "base"): the
// whole base-model transcript, ending in "<think>", as one user message; ground_truth {target, numbers}.
const base = (nums, target) =>
  'A conversation between User and Assistant. The Assistant thinks the problem through, then answers.\n' +
  `User: With the numbers ${JSON.stringify(nums).replace(/,/g, ', ')}, write an equation equal to ${target}, using + - * / and each number once. ` +
  'Think inside <think> </think> and give the equation inside <answer> </answer>, e.g. <answer> (1 + 2) / 3 </answer>.\n' +
  'Assistant: Let me solve this step by step.\n<think>';
const tinyzero = [
  [[2, 3, 4], 24],
  [[44, 19, 35], 98],
  [[1, 2, 3, 4], 10],
].map(([nums, target], index) => ({
  data_source: 'countdown',
  prompt: [{ role: 'user', content: base(nums, target) }],
  ability: 'math',
  reward_model: { style: 'rule', ground_truth: { target: BigInt(target), numbers: nums.map(BigInt) } },
  extra_info: { split: 'train', index: BigInt(index) },
}));
jsonl('tinyzero-countdown.jsonl', plain(tinyzero));
parquet(
  'tinyzero-countdown.parquet',
  verlColumns(struct('ground_truth', [int64('target'), list('numbers', int64('element'))]), [string('split'), int64('index')]),
  tinyzero,
);
