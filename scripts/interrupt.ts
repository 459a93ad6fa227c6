// What the test runners do when interrupted (Ctrl-C, or SIGTERM sent to the runner alone).
import type { ChildProcess } from 'node:child_process';

/**
 * On SIGINT or SIGTERM: passes the signal to the running child (a check or test runner, which would otherwise outlive
 * us against stopped infrastructure), runs `cleanUp`, then exits with 128 + the signal's number.
 */
export function exitOnInterrupt(running: () => ChildProcess | undefined, cleanUp: () => Promise<void>): void {
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
  ] as const) {
    process.once(signal, () => {
      running()?.kill(signal);
      void cleanUp().finally(() => process.exit(128 + number));
    });
  }
}
