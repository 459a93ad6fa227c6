import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { accessErrors } from './access-errors.js';
import type { AuditEntry, InvitationRecord, RosterRecord, UserRecord } from './access-model.js';
import { auditId } from './audit.js';
import type { ClaimsStore } from './ports.js';
import { sha256Hex } from './secrets.js';
import { storeTest } from './test-fixtures.js';

const user = (id: string, email: string): UserRecord => ({
  rev: 1,
  id,
  email,
  name: id,
  passwordHash: 'scrypt$4$8$1$c2FsdA==$aGFzaA==',
  operator: false,
  createdAt: '2026-01-01T00:00:00.000Z',
});

const invitation = (id: string, accountId: string, tokenHash: string): InvitationRecord => ({
  rev: 1,
  id,
  accountId,
  email: 'x@example.test',
  role: 'member',
  tokenHash,
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-08T00:00:00.000Z',
  invitedBy: { type: 'admin', id: 'admin-token', name: 'admin' },
  acceptedAt: null,
  acceptedBy: null,
  revokedAt: null,
});

// Ids as long as the use cases make them (audit.ts), with account ids as long as generated ones.
const entry = (ms: number, n: string, accountId: string | null): AuditEntry => ({
  id: auditId(ms, `${n}`.padEnd(12, 'x')),
  at: new Date(ms).toISOString(),
  accountId,
  actor: { type: 'admin', id: 'admin-token', name: 'admin' },
  action: 'device.claimed',
  target: { type: 'device', id: n },
  sourceAddress: '127.0.0.1',
  details: {},
});

const admins = (r: RosterRecord) => Object.values(r.members).filter((m) => m.role === 'admin').length;

/**
 * The contract of `ClaimsStore.access` (users, rosters, sessions, invitations, API key use, audit log), run against
 * every store: memory and LMDB in unit runs, Redis in integration runs. `open` returns a fresh, empty store.
 */
export function accessStoreContract(name: string, open: () => Promise<ClaimsStore>): void {
  describe(`AccessStore contract: ${name}`, () => {
    const withStore = storeTest(open);

    withStore(
      'users: an email is taken once, even by racing inserts; updates bump rev',
      async ({ access }) => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => access.insertUser(user(`usr_${i}`, 'same@example.test'))),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const winner = await access.findUserByEmail('same@example.test');
        assert.ok(winner);
        assert.equal((await access.getUser(winner.id))?.email, 'same@example.test');
        assert.equal(await access.findUserByEmail('other@example.test'), undefined);
        const changed = await access.updateUser(winner.id, (u) => ({ ...u, name: 'renamed' }));
        assert.deepEqual([changed?.rev, changed?.name], [2, 'renamed']);
        assert.equal(await access.updateUser('usr_missing', (u) => u), undefined);
        assert.deepEqual(
          (await access.listUsers()).map((u) => u.id),
          [winner.id],
        );
      },
    );

    withStore(
      'rosters: atomic, so racing demotions never leave an account without an admin',
      async ({ access }) => {
        const empty = await access.getRoster('acc_abcdefghijkl');
        assert.deepEqual(empty.members, {});
        await access.updateRoster('acc_abcdefghijkl', (r) => ({
          ...r,
          members: {
            usr_a: { role: 'admin', joinedAt: '2026-01-01T00:00:00.000Z' },
            usr_b: { role: 'admin', joinedAt: '2026-01-01T00:00:00.000Z' },
            usr_c: { role: 'member', joinedAt: '2026-01-01T00:00:00.000Z' },
          },
        }));
        assert.deepEqual(await access.accountsOfUser('usr_a'), ['acc_abcdefghijkl']);
        const demote = (userId: string) =>
          access.updateRoster('acc_abcdefghijkl', (r) => {
            const current = r.members[userId];
            if (current === undefined) throw accessErrors.unknown_user();
            const next = {
              ...r,
              members: { ...r.members, [userId]: { ...current, role: 'member' as const } },
            };
            if (admins(next) === 0) throw accessErrors.last_admin();
            return next;
          });
        const results = await Promise.allSettled([demote('usr_a'), demote('usr_b')]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results)
          if (r.status === 'rejected') assert.ok(JoineryError.is(r.reason, accessErrors.last_admin.code));
        assert.equal(admins(await access.getRoster('acc_abcdefghijkl')), 1);
        await access.updateRoster('acc_abcdefghijkl', (r) => {
          const members = { ...r.members };
          delete members['usr_c'];
          return { ...r, members };
        });
        assert.deepEqual(await access.accountsOfUser('usr_c'), []);
        assert.deepEqual(Object.keys((await access.getRoster('acc_abcdefghijkl')).members).sort(), [
          'usr_a',
          'usr_b',
        ]);
      },
    );

    withStore('sessions: found by token hash, listed per user, deleted', async ({ access }) => {
      // Token hashes as the use cases store them: 64 hex digits.
      const hash = (id: string) => sha256Hex(`token-${id}`);
      const session = (id: string, userId: string) => ({
        id: `ses_${id}aaaaaaaaaa`,
        userId,
        tokenHash: hash(id),
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-02T00:00:00.000Z',
      });
      await access.putSession(session('s1', 'usr_a'));
      await access.putSession(session('s2', 'usr_a'));
      await access.putSession(session('s3', 'usr_b'));
      assert.equal((await access.getSession(hash('s1')))?.userId, 'usr_a');
      assert.deepEqual(
        (await access.sessionsOfUser('usr_a')).map((s) => s.tokenHash).sort(),
        [hash('s1'), hash('s2')].sort(),
      );
      await access.deleteSession(hash('s1'));
      assert.equal(await access.getSession(hash('s1')), undefined);
      assert.deepEqual(
        (await access.sessionsOfUser('usr_a')).map((s) => s.tokenHash),
        [hash('s2')],
      );
      await access.deleteSession(hash('missing'));
      assert.equal((await access.getSession(hash('s3')))?.userId, 'usr_b');
    });

    withStore(
      'invitations: by token hash, per account, accepted by exactly one of racing accepts',
      async ({ access }) => {
        await access.insertInvitation(invitation('inv_1', 'acc_abcdefghijkl', 'tok-1'));
        await access.insertInvitation(invitation('inv_2', 'acc_mnopqrstuvwx', 'tok-2'));
        await assert.rejects(access.insertInvitation(invitation('inv_1', 'acc_abcdefghijkl', 'tok-9')));
        assert.equal((await access.findInvitationByToken('tok-1'))?.id, 'inv_1');
        assert.equal(await access.findInvitationByToken('tok-none'), undefined);
        assert.deepEqual(
          (await access.listInvitations('acc_abcdefghijkl')).map((i) => i.id),
          ['inv_1'],
        );
        const accept = (by: string) =>
          access.updateInvitation('inv_1', (i) => {
            if (i.acceptedAt !== null) throw accessErrors.unknown_invitation();
            return { ...i, acceptedAt: '2026-01-02T00:00:00.000Z', acceptedBy: by };
          });
        const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map(accept));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const stored = await access.getInvitation('inv_1');
        assert.equal(stored?.rev, 2);
        assert.ok(stored?.acceptedBy !== null);
      },
    );

    withStore('API key use is kept per key', async ({ access }) => {
      await access.touchApiKey('key_1', '2026-01-01T00:00:00.000Z');
      await access.touchApiKey('key_1', '2026-01-01T00:01:00.000Z');
      assert.deepEqual(await access.apiKeysLastUsed(['key_1', 'key_2']), [
        '2026-01-01T00:01:00.000Z',
        undefined,
      ]);
    });

    withStore(
      'audit: newest first, per account and in all, paged after a cursor, idempotent per id',
      async ({ access }) => {
        const t = Date.parse('2026-06-01T00:00:00Z');
        await access.appendAudit(entry(t, 'a', 'acc_abcdefghijkl'));
        await access.appendAudit(entry(t + 1000, 'b', 'acc_mnopqrstuvwx'));
        await access.appendAudit(entry(t + 2000, 'c', 'acc_abcdefghijkl'));
        await access.appendAudit(entry(t + 3000, 'd', null));
        await access.appendAudit({ ...entry(t + 2000, 'c', 'acc_abcdefghijkl'), action: 'changed.twice' });
        const all = await access.listAudit(null, null, 10);
        assert.deepEqual(
          all.map((e) => e.target.id),
          ['d', 'c', 'b', 'a'],
        );
        assert.equal(all[1]?.action, 'device.claimed');
        assert.deepEqual(
          (await access.listAudit('acc_abcdefghijkl', null, 10)).map((e) => e.target.id),
          ['c', 'a'],
        );
        const first = await access.listAudit(null, null, 2);
        const rest = await access.listAudit(null, first[1]?.id ?? null, 2);
        assert.deepEqual(
          rest.map((e) => e.target.id),
          ['b', 'a'],
        );
        assert.deepEqual(await access.listAudit('acc_yzABCDEFGHIJ', null, 10), []);
      },
    );

    withStore(
      "audit pruning: by count per account (never another account's) and by age, index entries included",
      async ({ access }) => {
        const [a, b] = ['acc_abcdefghijkl', 'acc_mnopqrstuvwx'];
        const t = Date.parse('2026-06-01T00:00:00Z');
        for (let i = 0; i < 5; i += 1) await access.appendAudit(entry(t + i * 1000, `a${i}`, a));
        for (let i = 0; i < 2; i += 1) await access.appendAudit(entry(t + i * 1000 + 500, `b${i}`, b));
        for (let i = 0; i < 3; i += 1) await access.appendAudit(entry(t + i * 1000 + 700, `o${i}`, null));
        const targets = async (accountId: string | null) =>
          (await access.listAudit(accountId, null, 100)).map((e) => e.target.id);
        // Three of a's five are beyond its newest two: two in a batch of two, then the last one, then none.
        assert.equal(await access.pruneAudit({ accountId: a, keep: 2 }, 2), 2);
        assert.equal(await access.pruneAudit({ accountId: a, keep: 2 }, 2), 1);
        assert.equal(await access.pruneAudit({ accountId: a, keep: 2 }, 2), 0);
        assert.deepEqual(await targets(a), ['a4', 'a3']);
        assert.deepEqual(await targets(b), ['b1', 'b0']);
        // The entries of no account are a bucket of their own.
        assert.equal(await access.pruneAudit({ accountId: null, keep: 1 }, 10), 2);
        assert.deepEqual(await targets(null), ['a4', 'a3', 'o2', 'b1', 'b0']);
        // By age: everything before t + 1600 ms (b0 at +500, b1 at +1500), whatever its account.
        assert.equal(await access.pruneAudit({ olderThan: `${auditId(t + 1600, '')}~` }, 10), 2);
        assert.deepEqual(await targets(null), ['a4', 'a3', 'o2']);
        assert.deepEqual(await targets(b), []);
        // No index member is left behind: a prune of everything walks exactly the entries that remain.
        assert.equal(await access.pruneAudit({ accountId: b, keep: 0 }, 10), 0);
        assert.equal(await access.pruneAudit({ accountId: a, keep: 0 }, 10), 2);
        assert.equal(await access.pruneAudit({ olderThan: 'aud_' }, 10), 1);
        assert.equal(await access.pruneAudit({ accountId: null, keep: 0 }, 10), 0);
        assert.deepEqual(await targets(null), []);
      },
    );
  });
}
