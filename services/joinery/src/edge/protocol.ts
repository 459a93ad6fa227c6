import type { MessagePort } from 'node:worker_threads';

/** What the embedded launcher hands the edge thread. */
export interface EdgeWorkerData {
  /** The services' environment (every `JOINERY_BI_*` setting applies to the edge as in distributed mode). */
  readonly env: Record<string, string | undefined>;
  readonly logLevel: string;
  readonly logService: string;
  readonly claimsPort: MessagePort;
  readonly keysPort: MessagePort;
  readonly grpcTimeoutMs: number;
}

export interface EdgeListening {
  readonly biPort: number;
  readonly biHttpPort?: number;
  readonly metricsPort?: number;
  readonly caCertPem: string;
}

/** Edge thread → launcher. `log` carries finished log lines to the launcher's log destination. */
export type FromEdge =
  | { readonly t: 'listening'; readonly listening: EdgeListening }
  | { readonly t: 'failed'; readonly message: string; readonly code: string | undefined }
  | { readonly t: 'log'; readonly chunk: string }
  | { readonly t: 'stopped' };

/** Launcher → edge thread. */
export type ToEdge = { readonly t: 'stop' };
