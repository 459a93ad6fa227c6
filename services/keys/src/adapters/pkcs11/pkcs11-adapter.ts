import { randomUUID } from 'node:crypto';
import { int, secret, string } from '@joinery/config';
import { createLogger } from '@joinery/logging';
import { keysErrors } from '../../domain/errors.js';
import type { KeyVault } from '../../domain/key-vault.js';
import { defineVaultAdapter } from '../../vault-adapter.js';
import { openPkcs11Vault, type Pkcs11VaultOptions } from './pkcs11-vault.js';
import { openPkcs11VaultOnThread } from './threaded-vault.js';

/**
 * The PKCS#11 HSM, chosen when `JOINERY_PKCS11_MODULE` is set: the token by `JOINERY_PKCS11_TOKEN_LABEL` or
 * `JOINERY_PKCS11_SLOT`, the PIN from `JOINERY_PKCS11_PIN` or `JOINERY_PKCS11_PIN_FILE`. It runs on a worker thread
 * of its own (`threaded-vault.ts`).
 */
export const pkcs11VaultAdapter = defineVaultAdapter({
  kind: 'pkcs11',
  config: {
    pkcs11Module: string('JOINERY_PKCS11_MODULE', { optional: true }),
    pkcs11Pin: secret('JOINERY_PKCS11_PIN', { optional: true }),
    pkcs11Slot: int('JOINERY_PKCS11_SLOT', { optional: true, min: 0 }),
    pkcs11TokenLabel: string('JOINERY_PKCS11_TOKEN_LABEL', { optional: true }),
  },
  selected: (config) => config.pkcs11Module !== undefined,
  async open(config, { logger }) {
    if (config.pkcs11Module === undefined)
      throw keysErrors.unsupported_vault({ vault: 'pkcs11' }, 'set JOINERY_PKCS11_MODULE');
    if (config.pkcs11Pin === undefined)
      throw keysErrors.unsupported_vault(
        { vault: 'pkcs11' },
        'set JOINERY_PKCS11_PIN or JOINERY_PKCS11_PIN_FILE',
      );
    if (config.pkcs11TokenLabel === undefined && config.pkcs11Slot === undefined)
      throw keysErrors.unsupported_vault(
        { vault: 'pkcs11' },
        'set JOINERY_PKCS11_TOKEN_LABEL or JOINERY_PKCS11_SLOT to choose the token',
      );
    const vault = await openPkcs11VaultOnThread({
      module: config.pkcs11Module,
      pin: config.pkcs11Pin,
      ...(config.pkcs11TokenLabel === undefined ? {} : { tokenLabel: config.pkcs11TokenLabel }),
      ...(config.pkcs11Slot === undefined ? {} : { slot: config.pkcs11Slot }),
      logger,
    });
    logger.info({ vault: 'pkcs11', module: config.pkcs11Module }, 'key vault open');
    return vault;
  },
  contract: {
    infra: ['PKCS11_MODULE', 'PKCS11_PIN', 'PKCS11_TOKEN_LABEL'],
    fixtures(infra) {
      const token = {
        module: infra['PKCS11_MODULE']!,
        tokenLabel: infra['PKCS11_TOKEN_LABEL']!,
        pin: infra['PKCS11_PIN']!,
      };
      // Each vault in a label namespace of its own on the shared token, so it starts empty.
      const labelPrefix = () => `t-${randomUUID().slice(0, 8)}`;
      const withStorageKek = async (vault: KeyVault) => {
        await vault.createKek('storage', { purpose: 'storage' });
        return vault;
      };
      const inProcess =
        (extra: Partial<Pkcs11VaultOptions> = {}) =>
        async () =>
          withStorageKek(openPkcs11Vault({ ...token, labelPrefix: labelPrefix(), ...extra }));
      return [
        { name: 'PKCS#11 on SoftHSM2', open: inProcess() },
        // Session copies are on by default for SoftHSM2; the path without them is what other modules take.
        { name: 'PKCS#11 on SoftHSM2 without session copies', open: inProcess({ sessionCopies: false }) },
        {
          name: 'PKCS#11 on SoftHSM2, on its own thread',
          open: async () =>
            withStorageKek(
              await openPkcs11VaultOnThread({
                ...token,
                labelPrefix: labelPrefix(),
                logger: createLogger({ service: 'keys', level: 'silent' }),
              }),
            ),
        },
      ];
    },
  },
});
