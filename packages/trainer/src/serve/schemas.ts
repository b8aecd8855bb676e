/**
 * JSON schemas of the request bodies, checked by Fastify (Ajv) before a handler runs, and the
 * formatter that turns a schema failure into one line naming the field (`body.items[2].response:
 * must be string`). Types are never coerced: `"1"` is not a number.
 */
import type { FastifySchemaValidationError } from 'fastify';
import { WEIGHTING_NAMES, ZERO_VARIANCE_MODES } from '@rlvr/weights';

const stringList = { type: 'array', items: { type: 'string' } } as const;

/** `POST /get_reward`: OpenRLHF's remote reward request, plus optional routing fields. */
export const GET_REWARD_BODY = {
  type: 'object',
  required: ['query'],
  properties: {
    query: stringList,
    prompts: stringList,
    labels: { type: 'array' },
    task: { type: 'string' },
    data_source: stringList,
  },
} as const;

/** `POST /v1/verify`: a task and items of {response, reference}. */
export const VERIFY_BODY = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: {
    task: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['response', 'reference'],
        additionalProperties: false,
        properties: { response: { type: 'string' }, reference: {}, task: { type: 'string' } },
      },
    },
  },
} as const;

/** `POST /v1/advantages`: a weighting, a group size, rewards and the zero-variance rule. */
export const ADVANTAGES_BODY = {
  type: 'object',
  required: ['weighting', 'groupSize', 'rewards'],
  additionalProperties: false,
  properties: {
    weighting: { type: 'string', enum: [...WEIGHTING_NAMES] },
    parameters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        std: { type: 'string', enum: ['sample', 'population'] },
        epsilon: { type: 'number' },
        threshold: { type: 'number' },
        a: { type: 'number' },
        b: { type: 'number' },
      },
    },
    groupSize: { type: 'integer', minimum: 2 },
    rewards: { type: 'array', items: { type: 'number' } },
    zeroVariance: { type: 'string', enum: [...ZERO_VARIANCE_MODES] },
    binarizeThreshold: { type: 'number' },
  },
} as const;

/** Ajv's JSON-pointer path (`/items/2/response`) as `items[2].response`, under `context` (`body`). */
function fieldPath(context: string, pointer: string): string {
  let path = context;
  for (const part of pointer.split('/').slice(1)) {
    path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return path;
}

/**
 * One line for the first schema failure, naming the field and what was expected; an unknown or
 * missing property is named too (Ajv's own message leaves it out).
 */
export function formatSchemaError(errors: FastifySchemaValidationError[], context: string): Error {
  const error = errors[0];
  if (error === undefined) return new Error(`${context}: invalid`);
  const at = fieldPath(context, error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return new Error(`${at}.${String(params.missingProperty)}: missing (required)`);
  if (error.keyword === 'additionalProperties') {
    return new Error(`${at}: unknown property ${JSON.stringify(params.additionalProperty)}`);
  }
  if (error.keyword === 'enum') {
    return new Error(`${at}: expected one of ${(params.allowedValues as unknown[]).join(', ')}`);
  }
  return new Error(`${at}: ${error.message ?? 'invalid'}`);
}
