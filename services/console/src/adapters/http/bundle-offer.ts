import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Logger } from '@joinery/logging';
import type { Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { ClaimsClient } from '../../domain/ports.js';
import { encodeRegistration, type StoredRegistration } from './credentials-bundle.js';

export interface BundleLink {
  readonly url: string;
  readonly expiresAt: string;
}

const pathOf = (kind: StoredRegistration['kind']) =>
  kind === 'network-server' ? 'network-servers' : 'application-servers';

/**
 * Keeps the registration's (or rotation's) show-once answer in claims, sealed, for one download as a zip within the
 * hour, and returns where to fetch it. The credentials are already created: a failure here costs the archive, never
 * the answer (`null`, logged), so the owner still gets its secrets once.
 */
export async function offerBundle(
  claims: ClaimsClient,
  biPublicUrl: string | undefined,
  principal: Principal,
  stored: StoredRegistration,
  log: Pick<Logger, 'warn'> | undefined,
): Promise<BundleLink | null> {
  if (biPublicUrl === undefined) return null;
  try {
    const { bundleId, expiresAt } = await claims.storeBundle({
      principal,
      peerId: stored.answer.id,
      archive: encodeRegistration(stored),
    });
    return {
      url: `/api/v1/${pathOf(stored.kind)}/${encodeURIComponent(stored.answer.id)}/bundles/${bundleId}`,
      expiresAt: (expiresAt === undefined ? new Date() : timestampDate(expiresAt)).toISOString(),
    };
  } catch (err) {
    log?.warn({ err, peer_id: stored.answer.id }, 'credentials bundle not stored; the answer carries none');
    return null;
  }
}
