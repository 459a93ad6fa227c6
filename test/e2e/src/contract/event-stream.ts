// A Server-Sent Events client for the activity streams: reads `event:`/`data:` blocks as they arrive.
import { request } from 'node:http';

export interface StreamEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
}

export interface EventStream {
  readonly status: number;
  readonly contentType: string;
  /** Every event so far, in arrival order. */
  readonly events: StreamEvent[];
  /** Comment lines so far (heartbeats). */
  readonly comments: string[];
  /** Resolves with the first event (seen or to come) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** The error body of a refused stream. */
  readonly body: string;
  close(): void;
}

/** Opens `url` with `Authorization: Bearer <token>`; resolves once the answer's headers arrived. */
export function openEventStream(url: string, token: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res) => {
      const events: StreamEvent[] = [];
      const comments: string[] = [];
      const waiters: { match: (e: StreamEvent) => boolean; done: (e: StreamEvent) => void }[] = [];
      let buffer = '';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk.slice(0, 2000);
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.includes(':'))
              fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim());
          }
          if (!fields.has('data')) continue;
          const event = {
            event: fields.get('event') ?? 'message',
            id: fields.get('id'),
            data: JSON.parse(fields.get('data') ?? 'null') as unknown,
          };
          events.push(event);
          for (const w of [...waiters])
            if (w.match(event)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.done(event);
            }
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        events,
        comments,
        get body() {
          return body;
        },
        next(match, timeoutMs = 30_000) {
          const seen = events.find(match);
          if (seen !== undefined) return Promise.resolve(seen);
          return new Promise((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`no matching event within ${timeoutMs} ms (${events.length} seen)`)),
              timeoutMs,
            );
            waiters.push({ match, done: (e) => (clearTimeout(timer), done(e)) });
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.end();
  });
}
