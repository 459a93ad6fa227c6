/** One dependency, running: the variables tests need and how to stop it. */
export interface Started {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartContext {
  log: (line: string) => void;
  /** Where pre-provisioned variables are read from (normally `process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Whether a Docker engine answers; probed once and shared by all dependencies. */
  docker: () => Promise<boolean>;
}

export const nothingToStop = async (): Promise<void> => undefined;
