import type { Logger } from 'pino';
import { createLogger } from './create-logger.js';

/** A logger that writes to memory, for tests that assert what was (or was not) logged. */
export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line written so far, as written (JSON text). */
  lines(): string[];
  /** Every line parsed. */
  records(): Record<string, unknown>[];
  /** All output as one string: grep it for things that must never appear. */
  text(): string;
  /** Parsed lines whose text matches. */
  grep(pattern: string | RegExp): Record<string, unknown>[];
  clear(): void;
}

export function captureLogs(options: { service?: string; level?: string } = {}): CapturedLogs {
  const lines: string[] = [];
  const logger = createLogger({
    service: options.service ?? 'test',
    level: options.level ?? 'trace',
    destination: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line !== '') lines.push(line);
      },
    },
  });
  const matches = (line: string, pattern: string | RegExp) =>
    typeof pattern === 'string' ? line.includes(pattern) : line.search(pattern) !== -1;
  return {
    logger,
    lines: () => [...lines],
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join('\n'),
    grep: (pattern) =>
      lines
        .filter((line) => matches(line, pattern))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      lines.length = 0;
    },
  };
}
