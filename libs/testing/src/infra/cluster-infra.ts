import { infraErrors } from './errors.js';

/** What `npm run test:cluster` (scripts/test-cluster.ts) adds for the cluster suites (`*.cluster-test.ts`). */
export interface ClusterInfra {
  /** `redis-cluster://host:port?nodes=…` of the 6-node Redis Cluster (the services' `JOINERY_REDIS_URL`). */
  readonly REDIS_CLUSTER_URL: string;
  /** The same nodes as `host:port,host:port,…`. */
  readonly REDIS_CLUSTER_NODES: string;
}

/** Reads the cluster suites' variables, or throws `testing:infra_missing` pointing at `npm run test:cluster`. */
export function requireClusterInfra(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ClusterInfra {
  const url = env.REDIS_CLUSTER_URL;
  const nodes = env.REDIS_CLUSTER_NODES;
  if (!url || !nodes)
    throw infraErrors.infra_missing(
      { missing: 'REDIS_CLUSTER_URL,REDIS_CLUSTER_NODES' },
      'missing REDIS_CLUSTER_URL, REDIS_CLUSTER_NODES: cluster suites get these from `npm run test:cluster`, which ' +
        'starts a 6-node Redis Cluster itself',
    );
  return { REDIS_CLUSTER_URL: url, REDIS_CLUSTER_NODES: nodes };
}
