import { keysErrors } from './errors.js';
import { idHex } from './hex.js';
import type { KeyDelivery, KeyEnvelope } from './key-vault.js';
import type { KeysDomainDeps } from './join-pipeline.js';

/**
 * AppSKeyReq: the stored AppSKey of one of the device's last sessions, unwrapped and re-wrapped inside the vault.
 * Only under the binding the session was made under: after an unclaim, a new claim (another owner) or a transfer,
 * the device's earlier sessions are answered exactly like an unknown SessionKeyID, so nobody learns they exist.
 */
export async function getAppSKey(
  deps: Pick<KeysDomainDeps, 'vault' | 'state' | 'logger'>,
  input: {
    devEui: Uint8Array;
    sessionKeyId: Uint8Array;
    asId: string;
    delivery: KeyDelivery;
    bindingId: string;
  },
): Promise<KeyEnvelope> {
  const devEui = idHex(input.devEui);
  const sessionKeyId = idHex(input.sessionKeyId);
  const session = await deps.state.getSession(devEui, sessionKeyId);
  // Sessions stored before bindings existed carry '', which claims never hands out for a claimed device.
  if (session === undefined || session.bindingId !== input.bindingId)
    throw keysErrors.unknown_session({ dev_eui: devEui });
  const envelope = await deps.vault.rewrapStoredKey(
    session.storageKekLabel,
    session.storedAppSKey,
    input.delivery,
  );
  deps.logger.info(
    {
      dev_eui: devEui,
      session_key_id: sessionKeyId,
      as_id: input.asId,
      wrapped: envelope.kekLabel !== undefined,
    },
    'app_s_key handed out',
  );
  return envelope;
}
