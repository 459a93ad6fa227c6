import type { ServiceImpl } from '@joinery/grpc';
import type { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import type { Claims } from '../../domain/claims.js';
import { defaultCheckTimeoutMs } from '../../domain/health.js';
import { principalFromProto } from './mapping.js';

/** Bounds of a check a caller may ask for (ms). */
const maxCheckTimeoutMs = 10_000;

/** The gRPC face of claims' own health checks (`CheckHealth`). */
export function healthServiceImpl(claims: Claims): Pick<ServiceImpl<typeof ClaimsService>, 'checkHealth'> {
  return {
    async checkHealth(req) {
      const timeoutMs =
        req.timeoutMs === 0 ? defaultCheckTimeoutMs : Math.min(req.timeoutMs, maxCheckTimeoutMs);
      const components = await claims.health.check(principalFromProto(req.principal), timeoutMs);
      return {
        components: components.map((c) => ({
          name: c.name,
          status: c.status,
          detail: c.detail ?? '',
          ...(c.latencyMs === undefined ? {} : { latencyMs: c.latencyMs }),
        })),
      };
    },
  };
}
