/** Tasks: datasets (JSONL, parquet, the Countdown generator), prompt templates, splits and data order. */
export { DatasetError } from './dataset-error.js';
export {
  readRecords,
  readJsonlRecords,
  readParquetRecords,
  recordFormat,
  type RawRecord,
  type RecordFormat,
} from './read-records.js';
export {
  TASK_KINDS,
  countdownBrief,
  countdownQuestion,
  type ProblemAndReference,
  type TaskKind,
  type TaskName,
} from './task-kinds.js';
export {
  compactPrompt,
  r1ZeroPrompt,
  renderPrompt,
  type PromptSource,
  type ChatMessage,
  type ChatTemplate,
  type PromptTemplate,
} from './templates.js';
export { splitTrainTest, type TrainTestSplit } from './split.js';
export { deriveSeed, seededPermutation } from './shuffle.js';
export { PromptCursor, type PromptCursorState } from './prompt-cursor.js';
export { describeSkippedRecords, SKIPPED_LINES_SHOWN } from './skipped-records.js';
export { limitPromptLength, type CountTokens, type PromptLengthResult } from './prompt-length.js';
export {
  LAYOUT_FIELDS,
  checkMappedFields,
  problemFromRecord,
  type RecordPrompt,
  type TaskFields,
} from './record-fields.js';
export { firstPresent, leafPaths, readPath, type PathLookup } from './record-path.js';
export { checkMessagePrompts, examplePrompt, messageListRefusal, type MessagePromptSource } from './message-prompt.js';
export {
  countdownGeneratorOptions,
  generatedChoiceExamples,
  generatedCountdownExamples,
  loadExamples,
  loadTask,
  type LoadedExamples,
  type SkippedRecord,
  type Task,
  type TaskExample,
} from './load-task.js';
export {
  FROZEN_PROBLEM_SETS,
  countdownGeneratorCall,
  encodeFrozenProblems,
  frozenCountdownProblems,
  frozenProblemsFile,
  readFrozenProblems,
  type CountdownGeneratorCall,
  type FrozenProblemSetName,
  type FrozenProblems,
  type FrozenProblemsHeader,
} from './frozen-problems.js';
export {
  CHOICE_RULES,
  choicePrompt,
  choiceProblemSpace,
  choiceProblems,
  type ChoiceProblem,
  type ChoiceProblemOptions,
  type ChoiceRule,
} from './choice-problems.js';
