/** An error answer of the management API, or a failure to reach it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  readonly baseUrl: string;
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** The raw text of an answer (CSV downloads). */
  text(path: string): Promise<string>;
  /** Any call (`joinery api`): the answer's status, content type and bytes; an error answer throws ApiError. */
  call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    /** For a stream (`text/event-stream`): each piece of text as it arrives, until the server ends it. */
    onStreamText?: (text: string) => void,
  ): Promise<RawAnswer>;
}

export interface RawAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly bytes: Buffer;
}

/** A client of the REST API (`/api/v1`) with one bearer token: what the CLI and the demo speak. */
export function createApiClient(baseUrl: string, token: string): ApiClient {
  const base = baseUrl.replace(/\/+$/, '');
  async function send(method: string, path: string, body?: unknown, contentType?: string): Promise<Response> {
    const raw = contentType !== undefined && typeof body === 'string';
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': raw ? contentType : 'application/json' }),
        },
        ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ApiError(
        0,
        'unreachable',
        `cannot reach the Joinery API at ${base}: ${(err as Error).cause ?? err}`,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let code = `http_${response.status}`;
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        code = parsed.error?.code ?? code;
        message = parsed.error?.message ?? message;
      } catch {
        // Not the API's error shape: keep the status and the start of the body.
      }
      throw new ApiError(response.status, code, message);
    }
    return response;
  }
  return {
    baseUrl: base,
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const response = await send(method, path, body);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async text(path) {
      return (await send('GET', path)).text();
    },
    async call(method, path, body, contentType, onStreamText) {
      const response = await send(method, path, body, contentType);
      const type = response.headers.get('content-type') ?? '';
      if (onStreamText !== undefined && type.startsWith('text/event-stream') && response.body !== null) {
        const decoder = new TextDecoder();
        for await (const chunk of response.body) onStreamText(decoder.decode(chunk, { stream: true }));
        return { status: response.status, contentType: type, bytes: Buffer.alloc(0) };
      }
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        bytes: Buffer.from(await response.arrayBuffer()),
      };
    },
  };
}
