// The one way the console talks to the management API: openapi-fetch typed by the OpenAPI document
// (schema.gen.ts), the caller's credentials added to every request, and errors turned into ApiError.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.gen';

/** How the browser proves who it is: a pasted admin token / API key, or the session cookie of a password login. */
export type Credentials =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'session'; readonly csrfToken: string; readonly accountId: string | null };

let credentials: Credentials | null = null;

export function setCredentials(next: Credentials | null): void {
  credentials = next;
}

/** The headers that authenticate a request of `method` (CSRF only where the cookie authenticates a change). */
export function authHeaders(method = 'GET'): Record<string, string> {
  if (credentials === null) return {};
  if (credentials.kind === 'token') return { authorization: `Bearer ${credentials.token}` };
  const headers: Record<string, string> = {};
  if (credentials.accountId !== null) headers['x-joinery-account'] = credentials.accountId;
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase()))
    headers['x-csrf-token'] = credentials.csrfToken;
  return headers;
}

/** A refusal of the API: its stable code (`wrong_claim_code`), message, HTTP status and Retry-After. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The ApiError of a non-2xx answer (its `{error:{code,message}}` body, or the status alone). */
export async function apiErrorOf(res: Response): Promise<ApiError> {
  const retry = Number(res.headers.get('retry-after') ?? '');
  const retryAfter = Number.isInteger(retry) && retry > 0 ? retry : undefined;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string')
      return new ApiError(res.status, body.error.code, String(body.error.message ?? ''), retryAfter);
  } catch {
    // Not JSON: the status says it.
  }
  return new ApiError(
    res.status,
    res.status === 404 ? 'not_found' : 'http_error',
    `HTTP ${res.status}`,
    retryAfter,
  );
}

const authenticate: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authHeaders(request.method))) request.headers.set(name, value);
    return request;
  },
};

/** Typed calls for every path of the OpenAPI document. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(authenticate);

/** The data of an openapi-fetch answer, or its ApiError thrown. */
export async function ok<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, response } = await pending;
  if (!response.ok) throw await apiErrorOf(response);
  return data as NonNullable<T>;
}

/**
 * A JSON call by path, for calls that are newer than the committed OpenAPI types (the console checks the server's
 * document at run time before offering them: see capabilities.ts).
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(method) };
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    headers['content-type'] = contentType ?? 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(payload === undefined ? {} : { body: payload }),
  });
  if (!res.ok) throw await apiErrorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Fetches `path` with the caller's credentials and saves the answer as a file named `fileName`. */
export async function download(path: string, fileName: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders('GET'), credentials: 'same-origin' });
  if (!res.ok) throw await apiErrorOf(res);
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** Query string of the defined, non-empty values. */
export function query(values: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
