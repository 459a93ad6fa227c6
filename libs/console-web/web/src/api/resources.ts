// The resources the pages share, in the shapes of the API (docs/product.md and the plan of issue 19).
import { query, request } from './client';
import type { Capabilities } from './capabilities';

export interface Device {
  devEui: string;
  joinEui: string;
  macVersion: string;
  claimed: boolean;
  accountId: string | null;
  networkServerId: string | null;
  applicationServerId?: string | null;
  activated: boolean;
  joinCount: number;
  lastJoinAt: string | null;
}

export interface Peer {
  id: string;
  kind: 'network-server' | 'application-server';
  name: string;
  netId?: string | null;
  nsId?: string | null;
  asId?: string | null;
  kekLabel?: string;
  appSKeyDelivery?: string | null;
  lifetime?: number;
  asyncUrl?: string | null;
  revokedAt?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface DeviceFilters {
  devEuiPrefix?: string;
  claimed?: string;
  activated?: string;
  networkServerId?: string;
  macVersion?: string;
}

/** One page of devices: the `{items,nextCursor}` list with filters where the server has it, else the older list. */
export async function listDevices(
  caps: Capabilities,
  filters: DeviceFilters,
  cursor: string | null,
  limit: number,
): Promise<Page<Device>> {
  const path = '/api/v1/devices';
  if (caps.takes('GET', path, 'cursor')) {
    const supported = Object.fromEntries(
      Object.entries(filters).filter(([name]) => caps.takes('GET', path, name)),
    );
    return request('GET', `${path}${query({ ...supported, cursor, limit })}`);
  }
  const old = await request<{ devices: Device[]; nextPageToken: string | null }>(
    'GET',
    `${path}${query({ pageToken: cursor, pageSize: limit })}`,
  );
  return { items: old.devices, nextCursor: old.nextPageToken };
}

export async function listPeers(kind: 'network-servers' | 'application-servers'): Promise<Peer[]> {
  const all: Peer[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Peer[]; nextCursor?: string | null } = await request(
      'GET',
      `/api/v1/${kind}${cursor === null ? '' : query({ cursor })}`,
    );
    all.push(...page.items);
    cursor = page.nextCursor ?? null;
  } while (cursor !== null);
  return all;
}

export interface JoinActivity {
  at: string;
  result: 'accepted' | 'refused';
  resultCode: string;
  errorCode?: string | null;
  networkServerId: string | null;
  netId: string | null;
  devNonce: number | null;
  joinType: string;
  devEui?: string;
}
