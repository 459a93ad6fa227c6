import { JoineryError } from '@joinery/errors';
import { isLoRaWAN11 } from '@joinery/lorawan';
import { keysErrors } from './errors.js';
import { idHex } from './hex.js';
import type { KeysDomainDeps } from './join-pipeline.js';
import type { MacVersion } from './ports.js';

export interface RootKeysImport {
  readonly devEui: Uint8Array;
  readonly macVersion: MacVersion | undefined;
  readonly keys:
    | { readonly plain: { readonly nwkKey: Uint8Array; readonly appKey: Uint8Array } }
    | {
        readonly wrapped: {
          readonly transportKekLabel: string;
          readonly wrappedNwkKey: Uint8Array;
          readonly wrappedAppKey: Uint8Array;
        };
      };
  readonly overwrite: boolean;
}

function validate(item: RootKeysImport): MacVersion {
  if (item.devEui.length !== 8) throw keysErrors.malformed_request({ field: 'dev_eui' });
  if (item.macVersion === undefined)
    throw keysErrors.unsupported_mac_version({ dev_eui: idHex(item.devEui) });
  const is11 = isLoRaWAN11(item.macVersion);
  const [nwk, app, size] =
    'plain' in item.keys
      ? [item.keys.plain.nwkKey, item.keys.plain.appKey, 16]
      : [item.keys.wrapped.wrappedNwkKey, item.keys.wrapped.wrappedAppKey, 24];
  if (nwk.length !== size)
    throw keysErrors.malformed_request({ field: 'nwk_key', dev_eui: idHex(item.devEui) });
  // 1.1 devices have two root keys; 1.0.x devices one (carried as the NwkKey).
  if (is11 ? app.length !== size : app.length !== 0)
    throw keysErrors.malformed_request({ field: 'app_key', dev_eui: idHex(item.devEui) });
  return item.macVersion;
}

async function importOne(vault: KeysDomainDeps['vault'], item: RootKeysImport): Promise<void> {
  if (!item.overwrite && (await vault.hasRootKeys(item.devEui)))
    throw keysErrors.root_keys_exist({ dev_eui: idHex(item.devEui) });
  if ('plain' in item.keys) {
    const { nwkKey, appKey } = item.keys.plain;
    await vault.importRootKeys({
      devEui: item.devEui,
      nwkKey,
      ...(appKey.length > 0 ? { appKey } : {}),
      overwrite: item.overwrite,
    });
  } else {
    const { transportKekLabel, wrappedNwkKey, wrappedAppKey } = item.keys.wrapped;
    await vault.importWrappedRootKeys({
      devEui: item.devEui,
      transportKekLabel,
      wrappedNwkKey,
      ...(wrappedAppKey.length > 0 ? { wrappedAppKey } : {}),
      overwrite: item.overwrite,
    });
  }
}

/**
 * Imports a batch all-or-nothing as far as the vault allows: everything is validated first, and if an import fails
 * the devices this call created (not those it overwrote) are deleted again.
 */
export async function importRootKeys(
  deps: Pick<KeysDomainDeps, 'vault' | 'logger'>,
  items: readonly RootKeysImport[],
): Promise<number> {
  items.forEach(validate);
  const seen = new Set(items.map((i) => idHex(i.devEui)));
  if (seen.size !== items.length)
    throw keysErrors.malformed_request({ field: 'dev_eui', reason: 'duplicate' });
  const created: Uint8Array[] = [];
  const importAll = async () => {
    for (const item of items) {
      const existed = item.overwrite && (await deps.vault.hasRootKeys(item.devEui));
      await importOne(deps.vault, item);
      if (!existed) created.push(item.devEui);
    }
  };
  try {
    await (deps.vault.importBatch === undefined ? importAll() : deps.vault.importBatch(importAll));
  } catch (err) {
    for (const devEui of created) {
      await deps.vault
        .deleteRootKeys(devEui)
        .catch((deleteErr: unknown) =>
          deps.logger.error({ err: deleteErr, dev_eui: idHex(devEui) }, 'rollback of root key import failed'),
        );
    }
    deps.logger.warn(
      { error_code: JoineryError.from(err).code, rolled_back: created.length },
      'root key import failed',
    );
    throw err;
  }
  deps.logger.info({ imported: items.length }, 'root keys imported');
  return items.length;
}
