/** A relay's idle wait: `pause(ms)` resolves after `ms`, or at once when `wake()` is called (stop, new records). */
export interface WakeablePause {
  pause(ms: number): Promise<void>;
  /** Ends the pause under way, if any. */
  wake(): void;
}

export function wakeablePause(): WakeablePause {
  let end: (() => void) | undefined;
  return {
    pause: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        end = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    wake: () => end?.(),
  };
}
