/**
 * Errors the server answers with: a status code, one line naming the field or limit at fault, and
 * headers (Retry-After on 503). The error handler turns every failure into `{"error": "…"}`; a
 * stack trace never reaches a client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { WeightsError } from '@rlvr/weights';

/** A failure meant for the client, with its HTTP status. */
export class HttpError extends Error {
  /** Answer `statusCode` with `message`; `headers` are set on the reply. */
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The weightings' parameters, which a request gives under `parameters`. */
const WEIGHTING_PARAMETERS = new Set(['std', 'epsilon', 'threshold', 'a', 'b']);

/** `body.` plus a library argument name as the request spells it (`rewards[7]`, `parameters.threshold`). */
function weightsField(argument: string): string {
  const name = argument.replace(/^weighting\./, '');
  return WEIGHTING_PARAMETERS.has(name) ? `body.parameters.${name}` : `body.${argument}`;
}

/** The status and message a failure gets; `bodyLimit` is named in a 413. */
export function describeFailure(error: unknown, bodyLimit: number): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.statusCode, message: error.message };
  if (WeightsError.isInstance(error)) {
    const { argument, message } = error as WeightsError;
    const detail = message.startsWith(`${argument}: `) ? message.slice(argument.length + 2) : message;
    return { status: 400, message: `${weightsField(argument)}: ${detail}` };
  }
  const fastify = error as Partial<FastifyError>;
  switch (fastify.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: `body: larger than the limit of ${bodyLimit} bytes (--body-limit-mb)` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: 'content-type: expected application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'body: empty; expected a JSON object' };
    default:
      break;
  }
  if (fastify.validation !== undefined) return { status: 400, message: fastify.message ?? 'body: invalid' };
  const status = typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 ? fastify.statusCode : 500;
  const message = error instanceof Error ? error.message : String(error);
  return { status, message: status >= 500 ? `internal error: ${message}` : message };
}

/** Fastify's error handler: `{"error": "…"}` with the status of {@link describeFailure}. */
export function errorHandler(bodyLimit: number, log: (line: string) => void) {
  return (error: unknown, _request: FastifyRequest, reply: FastifyReply): void => {
    const { status, message } = describeFailure(error, bodyLimit);
    // A server fault is logged with its stack for the operator; the client gets one line.
    if (status >= 500) log(`rlvr serve: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (error instanceof HttpError) reply.headers(error.headers);
    void reply.code(status).send({ error: message });
  };
}
