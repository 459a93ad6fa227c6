import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { createHarness, type Harness } from '../testing/harness.js';
import { admin } from '../testing/harness.js';
import { claimsErrors } from './errors.js';
import type { RegisterApplicationServerInput, RegisterNetworkServerInput } from './peers.js';
import type { Principal } from './model.js';

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (err: unknown) => JoineryError.is(err, code));

const nsInput = (overrides: Partial<RegisterNetworkServerInput> = {}): RegisterNetworkServerInput => ({
  accountId: null,
  name: 'ns',
  netId: '000013',
  nsId: null,
  kekLabel: null,
  appSKeyDelivery: null,
  lifetime: 0,
  asyncUrl: null,
  plaintextNwkKeys: false,
  ...overrides,
});

const asInput = (
  overrides: Partial<RegisterApplicationServerInput> = {},
): RegisterApplicationServerInput => ({
  accountId: null,
  name: 'as',
  asId: 'as.example.com',
  kekLabel: null,
  ...overrides,
});

async function owner(h: Harness, name: string): Promise<Principal> {
  const { apiKey } = await h.claims.accounts.createAccount(admin, name);
  return h.claims.accounts.authenticate(apiKey);
}

describe('issued credentials', () => {
  test('every PEM of a registration (and of a reissue) ends with a newline and parses', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const ns = await h.claims.peers.registerNetworkServer(x, nsInput());
    const as = await h.claims.peers.registerApplicationServer(x, asInput());
    const reissued = await h.claims.peers.revokeCredentials(x, ns.peer.id, true);
    for (const c of [ns.credentials, as.credentials, reissued]) {
      assert.ok(c !== null);
      for (const pem of [c.caCertPem, c.clientCertPem, c.clientKeyPem])
        assert.ok(pem.endsWith('-----\n'), pem.slice(-30));
      assert.ok(new X509Certificate(c.clientCertPem).checkIssued(new X509Certificate(c.caCertPem)));
      assert.match(
        c.clientCertPem + c.clientKeyPem,
        /^-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----$/m,
      );
    }
  });
});
