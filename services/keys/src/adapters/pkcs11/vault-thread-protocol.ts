import type { SafeError } from '@joinery/errors';

/** The KeyVault methods a vault thread serves; `beginBatch`/`endBatch` carry `importBatch` across the thread. */
export const threadedMethods = [
  'importRootKeys',
  'importWrappedRootKeys',
  'hasRootKeys',
  'deleteRootKeys',
  'createKek',
  'hasKek',
  'deleteKek',
  'verifyJoinRequestMic',
  'verifyRejoinType1Mic',
  'buildJoinAccept',
  'rewrapStoredKey',
  'health',
  'beginBatch',
  'endBatch',
  'close',
] as const;
export type ThreadedMethod = (typeof threadedMethods)[number];

export type ToVaultThread = {
  readonly id: number;
  readonly method: ThreadedMethod;
  readonly args: unknown[];
};

export type FromVaultThread =
  | { readonly t: 'ready' }
  | { readonly t: 'failed'; readonly error: SafeError }
  | { readonly t: 'log'; readonly chunk: string }
  | { readonly t: 'ok'; readonly id: number; readonly value: unknown }
  | { readonly t: 'err'; readonly id: number; readonly error: SafeError };
