/** Helpers of the serve tests: JSON over real HTTP to a running server. */

/** A reply: status, headers and the parsed JSON body (`T`, or `{error}` for a failure). */
export interface JsonReply<T = { error: string }> {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** Parsed body. */
  body: T;
  /** Raw body text. */
  text: string;
}

/** POST `body` (an object, sent as JSON, or a string sent as it is) to `url`. */
export async function post<T = { error: string }>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonReply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return reply<T>(response);
}

/** GET `url`. */
export async function get<T = { error: string }>(
  url: string,
  headers: Record<string, string> = {},
): Promise<JsonReply<T>> {
  return reply<T>(await fetch(url, { headers }));
}

async function reply<T>(response: Response): Promise<JsonReply<T>> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the Prometheus text of /metrics).
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** Poll `condition` every few ms until it holds (for a state another request sets up). */
export async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}
