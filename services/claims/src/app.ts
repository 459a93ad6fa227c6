import type { ServiceImpl } from '@joinery/grpc';
import type { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { claimsServiceImpl } from './adapters/grpc/claims-service-impl.js';
import { bundleSealOf, type CaKeySeal } from './adapters/x509/ca-key-seal.js';
import { X509CertificateAuthority } from './adapters/x509/certificate-authority.js';
import type { AccessSettings } from './domain/access.js';
import type { AuditRetention } from './domain/audit.js';
import { createClaims, type Claims } from './domain/claims.js';
import type { ClaimsLogger, RateLimit } from './domain/context.js';
import type { ClaimsStore, Clock, DeviceEventPublisher, KeyCustody } from './domain/ports.js';
import type { ScryptCost } from './domain/secrets.js';

export interface ClaimsAppDeps {
  readonly store: ClaimsStore;
  readonly keys: KeyCustody;
  readonly publisher: DeviceEventPublisher;
  readonly adminToken: string;
  /** Seals the CA private key in the store (`openCaKeySeal(sealKeyFileOf(config))`). */
  readonly caKeySeal: CaKeySeal;
  readonly logger: ClaimsLogger & { child?(bindings: object): ClaimsLogger };
  readonly clock?: Clock;
  readonly scryptCost?: ScryptCost;
  readonly rateLimit?: RateLimit;
  /** Lets NSs register asyncUrls at loopback or private addresses (lab set-ups; default false). */
  readonly allowPrivateAsyncUrls?: boolean;
  /** Password cost, login limits, session and invitation lifetimes (defaults: domain/access.ts). */
  readonly access?: Partial<AccessSettings>;
  /** How often the outbox sweep republishes events a failed publish left behind (default 30 s; 0: never). */
  readonly sweepIntervalMs?: number;
  /** How long the audit log is (`auditRetentionOf(config)`; default: domain/audit.ts). */
  readonly auditRetention?: AuditRetention;
  /** How often the audit log is cut to its retention (default 10 min; 0: never). */
  readonly auditSweepIntervalMs?: number;
  /** Credentials bundles of one peer waiting for their download at once (`JOINERY_CLAIMS_MAX_BUNDLES_PER_PEER`). */
  readonly maxBundlesPerPeer?: number;
}

export interface ClaimsApp {
  /** The ClaimsService implementation: register it on a gRPC server or wrap it in an in-process client. */
  readonly service: ServiceImpl<typeof ClaimsService>;
  /** The use cases, for in-process callers (e.g. a join-event consumer calling devices.applyJoinEvent). */
  readonly claims: Claims;
  /** Stops the sweep and closes the store (the app owns it once built). */
  close(): Promise<void>;
}

/**
 * Wires the claims service from its ports. No listening, no environment: `main.ts` and the launcher do that.
 * Throws `claims:ca_unseal_failed` (and closes the store) when the stored CA key does not open with `caKeySeal`.
 */
export async function buildClaimsApp(deps: ClaimsAppDeps): Promise<ClaimsApp> {
  const logger = deps.logger.child?.({ component: 'claims' }) ?? deps.logger;
  let ca: X509CertificateAuthority;
  try {
    ca = await X509CertificateAuthority.open(deps.store, deps.caKeySeal);
  } catch (err) {
    await deps.store.close();
    throw err;
  }
  logger.info(
    { ca_fingerprint: ca.fingerprintSha256, ca_origin: ca.origin, seal_key_file: deps.caKeySeal.source },
    'claims CA open',
  );
  const claims = createClaims({
    store: deps.store,
    keys: deps.keys,
    ca,
    publisher: deps.publisher,
    bundleSeal: bundleSealOf(deps.caKeySeal),
    adminToken: deps.adminToken,
    logger,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    ...(deps.scryptCost === undefined ? {} : { scryptCost: deps.scryptCost }),
    ...(deps.rateLimit === undefined ? {} : { rateLimit: deps.rateLimit }),
    ...(deps.allowPrivateAsyncUrls === undefined
      ? {}
      : { allowPrivateAsyncUrls: deps.allowPrivateAsyncUrls }),
    ...(deps.access === undefined ? {} : { access: deps.access }),
    ...(deps.auditRetention === undefined ? {} : { auditRetention: deps.auditRetention }),
    ...(deps.maxBundlesPerPeer === undefined ? {} : { maxBundlesPerPeer: deps.maxBundlesPerPeer }),
  });
  await claims.relay.sweep();
  const timers = [
    every(deps.sweepIntervalMs ?? 30_000, logger, 'outbox and bundle sweep', () =>
      Promise.all([claims.relay.sweep(), claims.bundles.sweep()]),
    ),
    every(deps.auditSweepIntervalMs ?? 10 * 60_000, logger, 'audit retention sweep', () =>
      claims.audit.sweep(),
    ),
  ];
  return {
    service: claimsServiceImpl(claims),
    claims,
    async close() {
      for (const timer of timers) if (timer !== undefined) clearInterval(timer);
      await deps.store.close();
    },
  };
}

/**
 * Runs `task` every `intervalMs` (never when 0), one run at a time. A failed run (the store unreachable for a moment)
 * is logged and retried at the next tick: a periodic chore must never become an unhandled rejection that takes the
 * claims process down with it.
 */
function every(
  intervalMs: number,
  logger: ClaimsLogger,
  name: string,
  task: () => Promise<unknown>,
): NodeJS.Timeout | undefined {
  if (intervalMs <= 0) return undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((err: unknown) => logger.warn({ err }, `${name} failed; retried next time`))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return timer;
}
