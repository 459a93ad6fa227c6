// The KeyVault contract (`domain/key-vault.contract.ts`: the shared LoRaWAN vectors and the port's behaviour) for
// every vault kind of `vaults.ts`, with each adapter's own fixtures; real SoftHSM2 for PKCS#11 (started by `npm
// test`). The last test fails for a registered kind that did not pass the whole contract.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { infraVars, requireInfra, type InfraVar } from '@joinery/testing/infra';
import { keyVaultContract, keyVaultContractRuns } from './domain/key-vault.contract.js';
import type { KeyVault } from './domain/key-vault.js';
import { vaultAdapters } from './vaults.js';

const opened: KeyVault[] = [];
after(async () => {
  for (const vault of opened) await vault.close();
});

const isInfraVar = (name: string): name is InfraVar => (infraVars as readonly string[]).includes(name);

const ran = new Map<string, string[]>();
for (const adapter of vaultAdapters) {
  const unknown = adapter.contract.infra.filter((name) => !isInfraVar(name));
  assert.deepEqual(unknown, [], `${adapter.kind} asks for test infrastructure that npm test does not start`);
  const infra = requireInfra(...adapter.contract.infra.filter(isInfraVar));
  const fixtures = adapter.contract.fixtures(infra);
  ran.set(
    adapter.kind,
    fixtures.map((fixture) => fixture.name),
  );
  for (const fixture of fixtures)
    keyVaultContract(fixture.name, async () => {
      const vault = await fixture.open();
      opened.push(vault);
      return vault;
    });
}

test('every registered vault kind passed the whole KeyVault contract, with at least one fixture', () => {
  assert.deepEqual(
    [...ran.keys()],
    vaultAdapters.map((adapter) => adapter.kind),
  );
  for (const [kind, names] of ran) {
    assert.ok(names.length > 0, `${kind} has no contract fixture`);
    for (const name of names) {
      const run = keyVaultContractRuns.get(name);
      assert.ok(run !== undefined && run.registered > 0, `${kind}: ${name} did not run the contract`);
      assert.equal(run.passed, run.registered, `${kind}: ${name} passed ${run.passed} of ${run.registered}`);
    }
  }
  assert.equal(
    new Set([...ran.values()].flat()).size,
    [...ran.values()].flat().length,
    'fixture names repeat',
  );
});
