// Server-Sent Events over fetch (EventSource cannot send the Authorization header a token login needs).

export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Feeds text as it arrives; returns the complete events and keeps the rest. Comments (`: heartbeat`) and events
 * without data are dropped; `data:` lines of one event are joined with newlines, as the specification says.
 */
export class SseParser {
  #buffer = '';

  push(chunk: string): ServerSentEvent[] {
    this.#buffer += chunk.replace(/\r\n?/g, '\n');
    const events: ServerSentEvent[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join('\n') });
    }
    return events;
  }
}

/**
 * Reads the event stream at `url` until `signal` aborts, calling `onEvent` per event; reconnects after a
 * dropped connection (2 s later). `onState` reports `live`, `reconnecting` or an error answer.
 */
export async function followEvents(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  onEvent: (event: ServerSentEvent) => void,
  onState: (state: 'live' | 'reconnecting' | Response) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal });
      if (!res.ok || res.body === null) {
        onState(res);
        return;
      }
      onState('live');
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) onEvent(event);
      }
    } catch {
      if (signal.aborted) return;
    }
    onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
