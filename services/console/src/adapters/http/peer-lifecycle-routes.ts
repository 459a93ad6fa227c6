import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { JoineryError } from '@joinery/errors';
import { AppSKeyDelivery, PeerKind, type Peer } from '@joinery/proto/claims/v1/claims_pb';
import type { RegisteredNetworkServer } from '@joinery/peer-bundle';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import type { ClaimsClient } from '../../domain/ports.js';
import { offerBundle } from './bundle-offer.js';
import {
  bundleFilesOf,
  decodeRegistration,
  defaultBundleFolder,
  zipBundle,
  type StoredRegistration,
} from './credentials-bundle.js';
import { restErrorOf } from './http-status.js';
import * as p from './peer-lifecycle-schemas.js';
import { bearer, errors, hex, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as s from './schemas.js';
import { appSKeyDeliveryByName, peerView } from './views.js';

const kinds = [
  {
    path: '/api/v1/network-servers',
    kind: PeerKind.NETWORK_SERVER,
    noun: 'network server',
    tag: 'network-servers',
    name: 'NetworkServer',
  },
  {
    path: '/api/v1/application-servers',
    kind: PeerKind.APPLICATION_SERVER,
    noun: 'application server',
    tag: 'application-servers',
    name: 'ApplicationServer',
  },
] as const;

const productNames = ['chirpstack', 'the-things-stack', 'other'] as const;
const isoOrNull = (ts: Timestamp | undefined) => (ts === undefined ? null : timestampDate(ts).toISOString());

/** A peer with its settings and rotation state (the list shows `peerView` only). */
function peerDetailView(peer: Peer) {
  const ns = peer.kind === PeerKind.NETWORK_SERVER;
  return {
    ...peerView(peer),
    product: ns ? (productNames[peer.product - 1] ?? null) : null,
    asyncCaPem: ns && peer.asyncCaPem !== '' ? peer.asyncCaPem : null,
    createdAt: isoOrNull(peer.createdAt) ?? new Date(0).toISOString(),
    overlapUntil: isoOrNull(peer.overlapUntil),
    previousKekLabel: peer.previousKekLabel === '' ? null : peer.previousKekLabel,
  };
}

/** The peer if it is of `kind`; another kind is answered as claims answers an unknown peer. */
async function peerOfKind(
  claims: ClaimsClient,
  principal: ReturnType<typeof principalOf>,
  id: string,
  kind: PeerKind,
) {
  const { peer } = await claims.getPeer({ principal, peerId: id });
  if (peer === undefined || peer.kind !== kind) throw consoleErrors.unknown_peer();
  return peer;
}

/** The JoinEUIs of the account's devices, as exact /64 prefixes (every page of the device list). */
async function accountJoinEuiPrefixes(
  claims: ClaimsClient,
  principal: ReturnType<typeof principalOf>,
  accountId: string,
): Promise<string[]> {
  const euis = new Set<string>();
  let pageToken = '';
  do {
    const page = await claims.listDevices({ principal, accountId, pageSize: 1000, pageToken });
    for (const d of page.devices) euis.add(hex(d.joinEui));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return [...euis].sort().map((eui) => `${eui}/64`);
}

/**
 * The life of a registration: read it, change its settings, rotate its credentials (with an overlap), revoke it, and
 * download its credentials bundle once. Another account's peer is answered as an unknown one everywhere.
 */
export const peerLifecycleRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (
  app,
  { claims, biPublicUrl, logger },
) => {
  for (const { path, kind, noun, tag, name } of kinds) {
    const tags = [tag];
    const isNs = kind === PeerKind.NETWORK_SERVER;

    app.get<{ Params: p.PeerIdParams }>(
      `${path}/:id`,
      {
        schema: {
          operationId: `get${name}`,
          description: `The ${noun}'s settings, its KEK label and the state of a credential rotation; no secrets.`,
          tags,
          summary: `A ${noun} with its settings and rotation state (its owner, or the admin)`,
          security: bearer,
          params: p.peerIdParams,
          response: { 200: { description: 'The server', ...p.peerDetailSchema }, ...errors },
        },
      },
      async (request) =>
        peerDetailView(await peerOfKind(claims, principalOf(request), request.params.id, kind)),
    );

    app.patch<{ Params: p.PeerIdParams; Body: p.NetworkServerPatchBody }>(
      `${path}/:id`,
      {
        schema: {
          operationId: `update${name}`,
          description: `Changes the ${noun}'s settings with the validation of its registration; what is not given stays.`,
          tags,
          summary: isNs
            ? 'Change a network server’s name, callback URL (and its CA), lifetime or AppSKey delivery, validated as at registration'
            : 'Rename an application server',
          security: bearer,
          params: p.peerIdParams,
          body: isNs ? p.networkServerPatchBody : p.applicationServerPatchBody,
          response: {
            200: { description: 'The server with its new settings', ...p.updatedPeerSchema },
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        await peerOfKind(claims, principal, request.params.id, kind);
        const b = request.body;
        const updated = await claims.updatePeer({
          principal,
          peerId: request.params.id,
          ...(b.name === undefined ? {} : { name: b.name }),
          ...(b.asyncUrl === undefined ? {} : { asyncUrl: b.asyncUrl ?? '' }),
          ...(b.asyncCaPem === undefined ? {} : { asyncCaPem: b.asyncCaPem ?? '' }),
          ...(b.lifetime === undefined ? {} : { lifetime: b.lifetime }),
          appSKeyDelivery:
            b.appSKeyDelivery === undefined
              ? AppSKeyDelivery.UNSPECIFIED
              : appSKeyDeliveryByName[b.appSKeyDelivery],
        });
        if (updated.peer === undefined) throw new Error('claims answered without the peer');
        return {
          peer: peerDetailView(updated.peer),
          warnings: updated.warnings.map((w) => ({ code: w.code, message: w.message })),
        };
      },
    );

    app.post<{ Params: p.PeerIdParams; Body: p.RotationBody }>(
      `${path}/:id/rotations`,
      {
        schema: {
          operationId: `rotate${name}Credentials`,
          description:
            'New client certificate, bearer token and KEK, shown this once (and as a one-time bundle); the old ones ' +
            'keep working until `overlapUntil`, then are refused.',
          tags,
          summary:
            `Rotate a ${noun}’s credentials: a new client certificate, bearer token and KEK, shown this once; ` +
            'the old ones keep working until overlapUntil, then they are refused',
          security: bearer,
          params: p.peerIdParams,
          body: p.rotationBody,
          response: {
            201: {
              description: 'The new credentials (shown this once) and the end of the overlap',
              ...(isNs ? p.networkServerRotationSchema : p.applicationServerRotationSchema),
            },
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const before = await peerOfKind(claims, principal, request.params.id, kind);
        const overlapSeconds = request.body?.overlapSeconds;
        const r = await claims.rotatePeerCredentials({
          principal,
          peerId: request.params.id,
          ...(overlapSeconds === undefined ? {} : { overlapSeconds }),
        });
        const peer = r.peer ?? before;
        const common = {
          id: peer.id,
          kek: { label: r.kek?.label ?? '', key: hex(r.kek?.key ?? new Uint8Array()) },
          bearerToken: r.bearerToken,
          credentials: {
            caCertPem: r.credentials?.caCertPem ?? '',
            clientCertPem: r.credentials?.clientCertPem ?? '',
            clientKeyPem: r.credentials?.clientKeyPem ?? '',
          },
        };
        const overlapUntil = isoOrNull(r.overlapUntil) ?? new Date().toISOString();
        let stored: StoredRegistration;
        let answer: Record<string, unknown>;
        if (isNs) {
          const view = peerDetailView(peer);
          const ns: RegisteredNetworkServer = {
            ...common,
            netId: hex(peer.netId),
            nsId: peer.nsId.length === 0 ? null : hex(peer.nsId),
            appSKeyDelivery: view.appSKeyDelivery,
            product: view.product,
            warnings: [],
          };
          stored = {
            v: 1,
            kind: 'network-server',
            answer: ns,
            ...(peer.asyncUrl === '' ? {} : { asyncTimeout: '5s' }),
          };
          answer = { ...ns };
        } else {
          stored = { v: 1, kind: 'application-server', answer: { ...common, asId: peer.asId } };
          answer = { ...common, asId: peer.asId };
        }
        // A rotation's answer has no warnings of its own (those of a registration are about its settings).
        const { bundle, warnings } = await offerBundle(claims, biPublicUrl, principal, stored, logger);
        return reply.code(201).send({ ...answer, overlapUntil, bundle, warnings });
      },
    );

    app.delete<{ Params: p.PeerIdParams }>(
      `${path}/:id`,
      {
        schema: {
          operationId: `revoke${name}`,
          description: `The ${noun} is refused over the Backend Interfaces from now on, with every credential it had.`,
          tags,
          summary:
            `Revoke a ${noun}: every certificate and token it has is refused from now on, over the Backend ` +
            'Interfaces too; devices bound to it are activated by no one until moved to another network server',
          security: bearer,
          params: p.peerIdParams,
          response: { 204: { type: 'null', description: 'revoked' }, ...errors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        await peerOfKind(claims, principal, request.params.id, kind);
        await claims.revokePeer({ principal, peerId: request.params.id });
        return reply.code(204).send();
      },
    );

    app.get<{ Params: p.BundleParams; Querystring: p.BundleQuery }>(
      `${path}/:id/bundles/:bundleId`,
      {
        schema: {
          operationId: `download${name}Bundle`,
          description:
            'The credentials and configuration bundle as a zip, once: then 410 `bundle_gone`; it expires after 1 h.',
          tags,
          summary:
            'The credentials bundle of a registration or rotation as one zip archive (certificates, keys, The ' +
            'Things Stack and ChirpStack v4/v3 configuration): downloadable once, within an hour, then 410',
          security: bearer,
          params: p.bundleParams,
          querystring: p.bundleQuery,
          response: {
            200: { description: 'application/zip', type: 'string', format: 'binary' },
            410: { description: '`bundle_gone`: downloaded already, or expired', ...s.errorSchema },
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { id, bundleId } = request.params;
        const peer = await peerOfKind(claims, principal, id, kind);
        if (biPublicUrl === undefined) throw consoleErrors.not_found();
        const prefixes =
          request.query.joinEuiPrefixes?.split(',').map((x) => x.toUpperCase()) ??
          (await accountJoinEuiPrefixes(claims, principal, peer.accountId));
        // Checked before the one download is spent.
        if (prefixes.length === 0)
          throw consoleErrors.invalid_request(
            { at: 'querystring/joinEuiPrefixes' },
            'the account has no devices yet, so no JoinEUI to route to Joinery: give joinEuiPrefixes=<JoinEUI>/64',
          );
        if (prefixes.some((x) => Number(x.split('/')[1]) > 64))
          throw consoleErrors.invalid_request(
            { at: 'querystring/joinEuiPrefixes' },
            'prefix lengths are 0–64 bits',
          );
        let archive: Uint8Array;
        try {
          archive = (await claims.takeBundle({ principal, peerId: id, bundleId })).archive;
        } catch (err) {
          if (JoineryError.is(err, 'claims:bundle_gone'))
            return reply.code(410).send(restErrorOf(consoleErrors.bundle_gone()).body);
          throw err;
        }
        const files = bundleFilesOf(decodeRegistration(archive), {
          biUrl: biPublicUrl,
          joinEuiPrefixes: prefixes,
          root: request.query.dir ?? defaultBundleFolder(id),
        });
        logger?.info({ peer_id: id, files: files.length }, 'credentials bundle downloaded');
        return reply
          .type('application/zip')
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="joinery-${id}.zip"`)
          .send(Buffer.from(zipBundle(files)));
      },
    );
  }
};
