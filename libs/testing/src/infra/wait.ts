import { setTimeout as sleep } from 'node:timers/promises';
import { infraErrors } from './errors.js';

export interface WaitOptions {
  /** What is being waited for, in the error message: `Kafka on 127.0.0.1:23456`. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Checked between attempts; a string is a reason to give up at once (e.g. the process exited). */
  abort?: () => string | undefined;
  /** Extra diagnostics for the error (e.g. the tail of a log). */
  diagnostics?: () => string;
}

/** Retries `attempt` until it resolves, bounded by `timeoutMs`; the last failure is the error's cause. */
export async function waitFor<T>(attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    const reason = options.abort?.();
    if (reason !== undefined)
      throw withDiagnostics(infraErrors.infra_unavailable({}, `${options.what}: ${reason}`, last), options);
    try {
      return await attempt();
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const lastMessage = last instanceof Error ? `; last error: ${last.message}` : '';
      throw withDiagnostics(
        infraErrors.infra_timeout(
          { timeout_ms: options.timeoutMs },
          `${options.what} not ready after ${options.timeoutMs / 1000} s${lastMessage}`,
          last,
        ),
        options,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

function withDiagnostics<E extends Error>(err: E, options: WaitOptions): E {
  const extra = options.diagnostics?.();
  if (extra) err.message += `\n${extra}`;
  return err;
}
