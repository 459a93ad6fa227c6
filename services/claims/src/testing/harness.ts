import assert from 'node:assert/strict';
import { JoineryError } from '@joinery/errors';
import { createMemoryClaimsStore } from '../adapters/memory/memory-store.js';
import { MemoryKeyCustody } from '../adapters/memory/memory-key-custody.js';
import { bundleSealOf, CaKeySeal } from '../adapters/x509/ca-key-seal.js';
import { X509CertificateAuthority } from '../adapters/x509/certificate-authority.js';
import type { AccessSettings } from '../domain/access.js';
import type { AuditRetention } from '../domain/audit.js';
import { createClaims, type Claims } from '../domain/claims.js';
import type { ClaimsLogger } from '../domain/context.js';
import type { DeviceEventRecord, Principal } from '../domain/model.js';
import type { ClaimsStore, DeviceEventPublisher } from '../domain/ports.js';
import type { ScryptCost } from '../domain/secrets.js';
import { claimsErrors } from '../domain/errors.js';
import type { AuthorizeOutcome, Authorization, PeerCredentialInput } from '../domain/gateway.js';
import type { RegisterNetworkServerInput } from '../domain/peers.js';

export const adminToken = 'test-admin-token-0123456789';
export const admin: Principal = { accountId: null, scope: 'admin', apiKeyId: 'admin-token' };
/** One fixed seal key for every harness, so a store reopened by another harness still opens its CA. */
export const testCaKeySeal = new CaKeySeal(new Uint8Array(32).fill(0x5a), 'test-seal-key');

export class RecordingPublisher implements DeviceEventPublisher {
  readonly events: DeviceEventRecord[] = [];
  failing = false;
  async publish(events: readonly DeviceEventRecord[]): Promise<void> {
    if (this.failing) throw new Error('bus down');
    this.events.push(...events);
  }
  kinds(devEui: string): string[] {
    return this.events.filter((e) => e.devEui === devEui).map((e) => e.change.kind);
  }
}

export class ManualClock {
  constructor(public nowMs = Date.parse('2026-06-01T12:00:00Z')) {}
  now(): Date {
    return new Date(this.nowMs);
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export const silentLogger: ClaimsLogger & { lines: { obj: object; msg: string }[] } = {
  lines: [],
  info(obj, msg) {
    this.lines.push({ obj, msg });
  },
  warn(obj, msg) {
    this.lines.push({ obj, msg });
  },
};

export interface Harness {
  readonly claims: Claims;
  readonly store: ClaimsStore;
  readonly keys: MemoryKeyCustody;
  readonly publisher: RecordingPublisher;
  readonly clock: ManualClock;
}

/** In-process claims with the memory store, a memory key custody and a cheap scrypt cost. */
export async function createHarness(
  options: {
    store?: ClaimsStore;
    scryptCost?: ScryptCost;
    caKeySeal?: CaKeySeal;
    allowPrivateAsyncUrls?: boolean;
    access?: Partial<AccessSettings>;
    auditRetention?: AuditRetention;
    maxBundlesPerPeer?: number;
  } = {},
): Promise<Harness> {
  const store = options.store ?? createMemoryClaimsStore();
  const keys = new MemoryKeyCustody();
  const publisher = new RecordingPublisher();
  const clock = new ManualClock();
  const claims = createClaims({
    store,
    keys,
    ca: await X509CertificateAuthority.open(store, options.caKeySeal ?? testCaKeySeal),
    publisher,
    bundleSeal: bundleSealOf(options.caKeySeal ?? testCaKeySeal),
    adminToken,
    logger: silentLogger,
    clock,
    scryptCost: options.scryptCost ?? { log2N: 4, r: 8, p: 1 },
    access: { passwordCost: { log2N: 4, r: 8, p: 1 }, ...options.access },
    ...(options.allowPrivateAsyncUrls === undefined
      ? {}
      : { allowPrivateAsyncUrls: options.allowPrivateAsyncUrls }),
    ...(options.auditRetention === undefined ? {} : { auditRetention: options.auditRetention }),
    ...(options.maxBundlesPerPeer === undefined ? {} : { maxBundlesPerPeer: options.maxBundlesPerPeer }),
  });
  return { claims, store, keys, publisher, clock };
}

export const joinEui = '70B3D57ED0000000';
export const nwkKeyHex = '2B7E151628AED2A6ABF7158809CF4F3C';

/** A DevEUI from a number: devEui(1) = 0000000000000001. */
export function devEui(n: number): string {
  return n.toString(16).toUpperCase().padStart(16, '0');
}

export function claimCodeOf(n: number): string {
  return `PIN${n.toString().padStart(6, '0')}`;
}

/** Imports devices 1..count (LoRaWAN 1.0.3, claim code claimCodeOf(n)). */
/** The claim of imported device `n` (its own claim code unless `code` is given) onto an NS, no AS. */
export const claimInput = (n: number, networkServerId: string, code = claimCodeOf(n)) => ({
  devEui: devEui(n),
  claimCode: code,
  networkServerId,
  applicationServerId: null,
});

/** The transfer of device `n` to an NS, no AS. */
export const transferInput = (n: number, networkServerId: string) => ({
  devEui: devEui(n),
  networkServerId,
  applicationServerId: null,
});

export async function importDevices(h: Harness, count: number, first = 1): Promise<void> {
  await h.claims.devices.importBatch(admin, {
    rows: Array.from({ length: count }, (_, i) => ({
      devEui: devEui(first + i),
      macVersion: '1.0.3',
      nwkKey: nwkKeyHex,
      claimCode: claimCodeOf(first + i),
    })),
    joinEui,
    manufacturer: 'acme',
    batchId: null,
    includeQrCodes: false,
    profileId: null,
  });
}

/** A network-server registration with every choice left to Joinery's defaults, but for `overrides`. */
export function networkServerInput(
  overrides: Partial<RegisterNetworkServerInput> = {},
): RegisterNetworkServerInput {
  return {
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
  };
}

export interface Owner {
  readonly principal: Principal;
  readonly apiKey: string;
  readonly ns: { id: string; bearerToken: string; certFingerprint: string; netId: string };
  readonly as: { id: string; bearerToken: string; asId: string };
}

/** An account with one NS (NetID `netId`) and one AS. */
export async function createOwner(h: Harness, name: string, netId: string): Promise<Owner> {
  const { account, apiKey } = await h.claims.accounts.createAccount(admin, name);
  const principal = await h.claims.accounts.authenticate(apiKey);
  const ns = await h.claims.peers.registerNetworkServer(
    principal,
    networkServerInput({ name: `${name}-ns`, netId }),
  );
  const as = await h.claims.peers.registerApplicationServer(principal, {
    accountId: null,
    name: `${name}-as`,
    asId: `${name}-as`,
    kekLabel: null,
  });
  const cert = ns.peer.credentials.find((c) => c.kind === 'certificate');
  if (account.id !== principal.accountId || cert === undefined) throw new Error('fixture');
  return {
    principal,
    apiKey,
    ns: { id: ns.peer.id, bearerToken: ns.credentials.bearerToken, certFingerprint: cert.hash, netId },
    as: { id: as.peer.id, bearerToken: as.credentials.bearerToken, asId: `${name}-as` },
  };
}

/** The authorization of an outcome, or the one `claims:not_authorized` for any refusal (reason in its details). */
export async function authorized(outcome: Promise<AuthorizeOutcome>): Promise<Authorization> {
  const answer = await outcome;
  if (answer.outcome === 'refused') throw claimsErrors.not_authorized({ reason: answer.reason });
  return answer.authorization;
}

/** Asserts that `p` rejects with the JoineryError of `code` (errors are asserted by code, never by message). */
export const rejectsWith = (p: Promise<unknown>, code: string, message?: string) =>
  assert.rejects(p, (err: unknown) => JoineryError.is(err, code), message);

/** A bearer-token peer credential. */
export const bearer = (token: string): PeerCredentialInput => ({ kind: 'bearer-token', token });

/** Owner `o` claims imported device `n` (its own claim code) onto its NS, and onto its AS with `withAs`. */
export const claimFor = (h: Harness, o: Owner, n: number, options: { withAs?: boolean } = {}) =>
  h.claims.devices.claim(o.principal, {
    ...claimInput(n, o.ns.id),
    applicationServerId: options.withAs === true ? o.as.id : null,
  });

type AuthorizeInput = Parameters<Claims['gateway']['authorize']>[0];
type HomeNetworkInput = Parameters<Claims['gateway']['homeNetwork']>[0];
type AppSKeyReqInput = Parameters<Claims['gateway']['authorizeApplicationServer']>[0];

/** How owner `o`'s NS names itself on a BI request: its token and NetID, no SenderNSID (BI 1.0). */
const asNetworkServer = (o: Owner) =>
  ({ credential: bearer(o.ns.bearerToken), senderNetId: o.ns.netId, senderNsId: null }) as const;

/** Owner `o`'s NS asks to activate device `n` (a JoinReq), but for `overrides`. */
export const joinOutcome = (h: Harness, o: Owner, n: number, overrides: Partial<AuthorizeInput> = {}) =>
  h.claims.gateway.authorize({ joinEui, devEui: devEui(n), ...asNetworkServer(o), ...overrides });

/** Owner `o`'s AS asks AppSKeyReq for device `n` with its token and AS-ID, but for `overrides`. */
export const appSKeyReqOf = (h: Harness, o: Owner, n: number, overrides: Partial<AppSKeyReqInput> = {}) =>
  h.claims.gateway.authorizeApplicationServer({
    joinEui,
    devEui: devEui(n),
    credential: bearer(o.as.bearerToken),
    senderAsId: o.as.asId,
    ...overrides,
  });

/** Owner `o`'s NS asks HomeNSReq for device `n`, but for `overrides`. */
export const homeNetworkOf = (h: Harness, o: Owner, n: number, overrides: Partial<HomeNetworkInput> = {}) =>
  h.claims.gateway.homeNetwork({ devEui: devEui(n), ...asNetworkServer(o), ...overrides });

/** The DevEUIs `principal` lists in one page, of `accountId` (null: its own, or every account for the admin). */
export async function listedDevEuis(
  h: Harness,
  principal: Principal,
  filter: { accountId?: string | null; batchId?: string | null } = {},
): Promise<string[]> {
  const listed = await h.claims.devices.listDevices(principal, {
    accountId: null,
    batchId: null,
    pageSize: 0,
    pageToken: null,
    ...filter,
  });
  return listed.devices.map((d) => d.devEui);
}
