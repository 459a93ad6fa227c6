import { Access, defaultAccessSettings, type AccessSettings } from './access.js';
import { Accounts } from './accounts.js';
import { Audit, defaultAuditRetention, type AuditRetention } from './audit.js';
import { Bundles } from './bundles.js';
import { defaultRateLimit, type ClaimsContext, type ClaimsLogger, type RateLimit } from './context.js';
import { Devices } from './devices.js';
import { Gateway } from './gateway.js';
import { Health } from './health.js';
import { JoinActivity } from './join-activity.js';
import { DeviceOutboxRelay } from './outbox-relay.js';
import { Peers } from './peers.js';
import type {
  BundleSeal,
  CertificateAuthority,
  ClaimsStore,
  Clock,
  DeviceEventPublisher,
  KeyCustody,
} from './ports.js';
import { defaultScryptCost, sha256Hex, type ScryptCost } from './secrets.js';

export interface ClaimsDeps {
  readonly store: ClaimsStore;
  readonly keys: KeyCustody;
  readonly ca: CertificateAuthority;
  readonly publisher: DeviceEventPublisher;
  /** Seals the credentials archives kept for their one download. */
  readonly bundleSeal: BundleSeal;
  readonly adminToken: string;
  readonly logger: ClaimsLogger;
  readonly clock?: Clock;
  readonly scryptCost?: ScryptCost;
  readonly rateLimit?: RateLimit;
  /** Default false: asyncUrls must reach public addresses. */
  readonly allowPrivateAsyncUrls?: boolean;
  /** Password cost, login limits, session and invitation lifetimes (defaults: access.ts). */
  readonly access?: Partial<AccessSettings>;
  /** How long the audit log is (default: audit.ts). */
  readonly auditRetention?: AuditRetention;
  /** Credentials bundles of one peer waiting for their download at once (default: bundles.ts). */
  readonly maxBundlesPerPeer?: number;
}

/** The claims use cases, grouped by area. */
export interface Claims {
  readonly accounts: Accounts;
  readonly devices: Devices;
  readonly peers: Peers;
  readonly gateway: Gateway;
  readonly relay: DeviceOutboxRelay;
  readonly access: Access;
  readonly audit: Audit;
  readonly bundles: Bundles;
  readonly activity: JoinActivity;
  readonly health: Health;
}

export function createClaims(deps: ClaimsDeps): Claims {
  if (deps.adminToken.length < 16) throw new Error('the admin token must be at least 16 characters');
  const relay = new DeviceOutboxRelay(deps.store, deps.publisher, deps.logger);
  const ctx: ClaimsContext = {
    store: deps.store,
    keys: deps.keys,
    ca: deps.ca,
    clock: deps.clock ?? { now: () => new Date() },
    adminTokenHash: sha256Hex(deps.adminToken),
    scryptCost: deps.scryptCost ?? defaultScryptCost,
    rateLimit: deps.rateLimit ?? defaultRateLimit,
    logger: deps.logger,
    allowPrivateAsyncUrls: deps.allowPrivateAsyncUrls ?? false,
    flushOutbox: (devEuis) => relay.flush(devEuis),
  };
  const devices = new Devices(ctx);
  const peers = new Peers(ctx);
  return {
    accounts: new Accounts(ctx),
    devices,
    peers,
    gateway: new Gateway(ctx),
    relay,
    access: new Access(ctx, { ...defaultAccessSettings, ...deps.access }),
    audit: new Audit(ctx, deps.auditRetention ?? defaultAuditRetention),
    bundles: new Bundles(ctx, peers, deps.bundleSeal, deps.maxBundlesPerPeer),
    activity: new JoinActivity(ctx, devices),
    health: new Health(ctx),
  };
}
