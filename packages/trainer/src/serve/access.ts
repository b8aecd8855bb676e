/**
 * Who may call the server. It binds to loopback by default; on any other address it refuses to start
 * without a token, and then every route but `/healthz` needs `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { CliError } from '../cli/cli-error.js';

/** True for an address only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

/** Refuse a non-loopback `host` without a token (a CliError naming --token). */
export function requireTokenOffLoopback(host: string, token: string | undefined): void {
  if (!isLoopback(host) && (token === undefined || token === '')) {
    throw new CliError(
      '--token',
      `required when --host is not a loopback address (got --host ${host}): anyone who can reach the port could use the server`,
    );
  }
}

/** Whether an `Authorization` header carries `token` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
