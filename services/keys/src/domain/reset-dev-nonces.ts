import { keysErrors } from './errors.js';
import { idHex } from './hex.js';
import type { KeysDomainDeps } from './join-pipeline.js';
import type { DevNonceReset } from './ports.js';

/** Clears the DevNonce state of a device that lost its counter. Never silent: who, why and when are kept and logged. */
export async function resetDevNonces(
  deps: Pick<KeysDomainDeps, 'state' | 'clock' | 'logger'>,
  input: { devEui: Uint8Array; actor: string; reason: string },
): Promise<DevNonceReset> {
  if (input.actor.trim() === '' || input.reason.trim() === '')
    throw keysErrors.malformed_request({ field: input.actor.trim() === '' ? 'actor' : 'reason' });
  const devEui = idHex(input.devEui);
  const reset = await deps.state.resetDevNonces(devEui, {
    actor: input.actor,
    reason: input.reason,
    time: deps.clock.now(),
  });
  deps.logger.warn(
    {
      dev_eui: devEui,
      actor: reset.actor,
      reason: reset.reason,
      last_dev_nonce: reset.lastDevNonce,
      history_size: reset.historySize,
    },
    'dev nonces reset',
  );
  return reset;
}
