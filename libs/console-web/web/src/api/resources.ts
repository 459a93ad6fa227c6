// The resources the pages share, in the shapes of the API (docs/product.md and the plan of issue 19).
import { api, ok, query, request } from './client';
import type { components } from './schema.gen';
import type { Capabilities } from './capabilities';

/** The shapes of the OpenAPI document (schema.gen.ts). */
export type Device = components['schemas']['Device'];
export type Peer = components['schemas']['Peer'];
export type NonceState = components['schemas']['NonceState'];
export type Charge = components['schemas']['Charge'];

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
      Object.entries(filters).filter(([name, value]) => value !== '' && caps.takes('GET', path, name)),
    );
    return ok(
      api.GET('/api/v1/devices', {
        params: { query: { ...supported, ...(cursor === null ? {} : { cursor }), limit: String(limit) } },
      }),
    );
  }
  const old = await request<{ devices: Device[]; nextPageToken: string | null }>(
    'GET',
    `${path}${query({ pageToken: cursor, pageSize: limit })}`,
  );
  return { items: old.devices, nextCursor: old.nextPageToken };
}

export async function listPeers(kind: 'network-servers' | 'application-servers'): Promise<Peer[]> {
  const page =
    kind === 'network-servers'
      ? await ok(api.GET('/api/v1/network-servers'))
      : await ok(api.GET('/api/v1/application-servers'));
  return page.items;
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
