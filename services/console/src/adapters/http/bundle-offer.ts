import { timestampDate } from '@bufbuild/protobuf/wkt';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import type { Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { ClaimsClient } from '../../domain/ports.js';
import { encodeRegistration, type StoredRegistration } from './credentials-bundle.js';

export interface BundleLink {
  readonly url: string;
  readonly expiresAt: string;
}

/** The answer's bundle, and what the owner should know when there is none for a reason it can act on. */
export interface BundleOffer {
  readonly bundle: BundleLink | null;
  readonly warnings: readonly { readonly code: 'too_many_bundles'; readonly message: string }[];
}

const pathOf = (kind: StoredRegistration['kind']) =>
  kind === 'network-server' ? 'network-servers' : 'application-servers';

/**
 * Keeps the registration's (or rotation's) show-once answer in claims, sealed, for one download as a zip within the
 * hour, and returns where to fetch it. The credentials are already created: a failure here costs the archive, never
 * the answer (`null`, logged), so the owner still gets its secrets once. When claims refuses the archive because the
 * peer has as many bundles waiting as it may (`claims:too_many_bundles`: rotated again and again without
 * downloading), a warning says so.
 */
export async function offerBundle(
  claims: ClaimsClient,
  biPublicUrl: string | undefined,
  principal: Principal,
  stored: StoredRegistration,
  log: Pick<Logger, 'warn'> | undefined,
): Promise<BundleOffer> {
  if (biPublicUrl === undefined) return { bundle: null, warnings: [] };
  try {
    const { bundleId, expiresAt } = await claims.storeBundle({
      principal,
      peerId: stored.answer.id,
      archive: encodeRegistration(stored),
    });
    return {
      bundle: {
        url: `/api/v1/${pathOf(stored.kind)}/${encodeURIComponent(stored.answer.id)}/bundles/${bundleId}`,
        expiresAt: (expiresAt === undefined ? new Date() : timestampDate(expiresAt)).toISOString(),
      },
      warnings: [],
    };
  } catch (err) {
    log?.warn({ err, peer_id: stored.answer.id }, 'credentials bundle not stored; the answer carries none');
    if (!JoineryError.is(err, 'claims:too_many_bundles')) return { bundle: null, warnings: [] };
    const limit = err.details['limit'];
    return {
      bundle: null,
      warnings: [
        {
          code: 'too_many_bundles',
          message:
            `This server has ${typeof limit === 'number' ? limit : 'the allowed number of'} credentials bundles ` +
            'waiting for their download, so this one has none: the credentials above are valid, copy them now.',
        },
      ],
    };
  }
}
