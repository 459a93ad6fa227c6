// The audit log's retention: each account keeps its newest entries up to the count bound whatever another account
// appends, the operator's entries are a bucket of their own, and entries past the age bound leave, on every store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openLmdbClaimsStore } from '../adapters/embedded/lmdb-store.js';
import { admin, createHarness, createOwner, type Harness } from '../testing/harness.js';
import type { Principal } from './model.js';

const day = 24 * 60 * 60 * 1000;
const dir = mkdtempSync(join(tmpdir(), 'joinery-audit-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function record(h: Harness, principal: Principal, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    h.clock.advance(1);
    const entry = await h.claims.audit.record(principal, {
      action: 'device.claimed',
      target: { type: 'device', id: `${tag}${i}` },
      sourceAddress: null,
      details: {},
      accountId: null,
    });
    ids.push(entry.id);
  }
  return ids.reverse();
}

const idsOf = async (h: Harness, accountId: string | null) =>
  (await h.store.access.listAudit(accountId, null, 10_000)).map((e) => e.id);

for (const [name, open] of [
  ['memory', () => undefined],
  ['lmdb', () => openLmdbClaimsStore(join(dir, 'claims'))],
] as const)
  test(`${name}: a flooding account keeps its newest entries and pushes out nobody else's; old ones leave`, async () => {
    const store = open();
    const h = await createHarness({
      ...(store === undefined ? {} : { store }),
      auditRetention: { maxAgeMs: 30 * day, maxEntriesPerAccount: 20 },
    });
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    const quiet = await record(h, b.principal, 5, 'b');
    const operator = await record(h, admin, 25, 'op');
    const flood = await record(h, a.principal, 300, 'a');
    const accountA = a.principal.accountId ?? '';
    const accountB = b.principal.accountId ?? '';

    assert.equal(await h.claims.audit.sweep(), 280 + 5);
    assert.deepEqual(await idsOf(h, accountA), flood.slice(0, 20), "a's newest 20");
    assert.deepEqual(await idsOf(h, accountB), quiet, "b's, untouched");
    assert.deepEqual(
      (await idsOf(h, null)).filter((id) => operator.includes(id)),
      operator.slice(0, 20),
      "the operator's newest 20",
    );
    assert.equal((await idsOf(h, null)).length, 45);
    assert.equal(await h.claims.audit.sweep(), 0, 'nothing left to remove');

    // A month on, only what is newer than 30 days stays.
    h.clock.advance(30 * day - 100);
    const recent = await record(h, b.principal, 2, 'new');
    h.clock.advance(200);
    assert.equal(await h.claims.audit.sweep(), 45);
    assert.deepEqual(await idsOf(h, null), recent);
    assert.deepEqual(await idsOf(h, accountB), recent);
    await h.store.close();
  });
