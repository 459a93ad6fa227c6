import { hexToBytes } from '@joinery/backend-interfaces';
import {
  AppSKeyDelivery,
  NetworkServerProduct,
  PeerKind,
  type ClientCredentials,
} from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { bearer, errors, hex, principalOf, type ApiRoutesDeps } from './route-support.js';
import { offerBundle } from './bundle-offer.js';
import * as s from './schemas.js';
import { appSKeyDeliveryByName, peerView } from './views.js';

const productByName: Readonly<Record<(typeof s.networkServerProducts)[number], NetworkServerProduct>> = {
  chirpstack: NetworkServerProduct.CHIRPSTACK,
  'the-things-stack': NetworkServerProduct.THE_THINGS_STACK,
  other: NetworkServerProduct.OTHER,
};
const productName = (p: NetworkServerProduct | undefined) =>
  s.networkServerProducts.find((name) => productByName[name] === p) ?? null;

const credentialsOf = (c: ClientCredentials | undefined) => ({
  caCertPem: c?.caCertPem ?? '',
  clientCertPem: c?.clientCertPem ?? '',
  clientKeyPem: c?.clientKeyPem ?? '',
});

/** The network servers and application servers of an account, with their KEKs and credentials. */
export const peerRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims, biPublicUrl, logger }) => {
  app.post<{ Body: s.NetworkServerBody }>(
    '/api/v1/network-servers',
    {
      schema: {
        operationId: 'registerNetworkServer',
        tags: ['network-servers'],
        description:
          "Registers a network server of the caller's account (or, for the admin, of `accountId`). The KEK, the bearer token and the client certificate and key are in this answer only.",
        summary:
          'Register a network server; its KEK, bearer token and client certificate are shown this once',
        security: bearer,
        body: s.networkServerBody,
        response: {
          201: {
            description: 'Registered; the secrets are shown this once',
            ...s.registeredNetworkServerSchema,
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const registered = await claims.registerNetworkServer({
        principal: principalOf(request),
        name: b.name,
        netId: hexToBytes(b.netId),
        nsId: b.nsId === undefined ? new Uint8Array() : hexToBytes(b.nsId),
        kekLabel: b.kekLabel ?? '',
        // Left unspecified when not given: claims picks the default for the product (wrapped, or plaintext for ChirpStack).
        appSKeyDelivery:
          b.appSKeyDelivery === undefined
            ? AppSKeyDelivery.UNSPECIFIED
            : appSKeyDeliveryByName[b.appSKeyDelivery],
        lifetime: b.lifetime ?? 0,
        asyncUrl: b.asyncUrl ?? '',
        asyncCaPem: b.asyncCaPem ?? '',
        plaintextNwkKeys: b.plaintextNwkKeys ?? false,
        product: b.product === undefined ? NetworkServerProduct.UNSPECIFIED : productByName[b.product],
        accountId: b.accountId ?? '',
      });
      const peer = registered.peer;
      const answer = {
        id: peer?.id ?? '',
        netId: hex(peer?.netId ?? new Uint8Array()),
        nsId: peer === undefined || peer.nsId.length === 0 ? null : hex(peer.nsId),
        appSKeyDelivery: peer === undefined ? null : peerView(peer).appSKeyDelivery,
        product: productName(peer?.product),
        kek: { label: registered.kek?.label ?? '', key: hex(registered.kek?.key ?? new Uint8Array()) },
        bearerToken: registered.bearerToken,
        credentials: credentialsOf(registered.credentials),
        warnings: registered.warnings.map((w) => ({ code: w.code, message: w.message })),
      };
      const { bundle } = await offerBundle(
        claims,
        biPublicUrl,
        principalOf(request),
        { v: 1, kind: 'network-server', answer, ...(b.asyncUrl === undefined ? {} : { asyncTimeout: '5s' }) },
        logger,
      );
      return reply.code(201).send({ ...answer, bundle });
    },
  );

  app.post<{ Body: s.ApplicationServerBody }>(
    '/api/v1/application-servers',
    {
      schema: {
        operationId: 'registerApplicationServer',
        tags: ['application-servers'],
        description:
          'Registers an application server that fetches AppSKeys over the Backend Interfaces (AppSKeyReq). The KEK, the bearer token and the client certificate and key are in this answer only.',
        summary: 'Register an application server (AppSKeyReq); its KEK and credentials are shown this once',
        security: bearer,
        body: s.applicationServerBody,
        response: {
          201: {
            description: 'Registered; the secrets are shown this once',
            ...s.registeredApplicationServerSchema,
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const registered = await claims.registerApplicationServer({
        principal: principalOf(request),
        name: b.name,
        asId: b.asId,
        kekLabel: b.kekLabel ?? '',
        accountId: b.accountId ?? '',
      });
      const answer = {
        id: registered.peer?.id ?? '',
        asId: registered.peer?.asId ?? '',
        kek: { label: registered.kek?.label ?? '', key: hex(registered.kek?.key ?? new Uint8Array()) },
        bearerToken: registered.bearerToken,
        credentials: credentialsOf(registered.credentials),
      };
      const { bundle } = await offerBundle(
        claims,
        biPublicUrl,
        principalOf(request),
        { v: 1, kind: 'application-server', answer },
        logger,
      );
      return reply.code(201).send({ ...answer, bundle });
    },
  );

  for (const [path, kind] of [
    ['/api/v1/network-servers', PeerKind.NETWORK_SERVER],
    ['/api/v1/application-servers', PeerKind.APPLICATION_SERVER],
  ] as const) {
    app.get<{ Querystring: s.ListPeersQuery }>(
      path,
      {
        schema: {
          operationId: kind === PeerKind.NETWORK_SERVER ? 'listNetworkServers' : 'listApplicationServers',
          tags: [kind === PeerKind.NETWORK_SERVER ? 'network-servers' : 'application-servers'],
          description: 'The servers registered for an account, without their secrets.',
          summary: `List ${kind === PeerKind.NETWORK_SERVER ? 'network' : 'application'} servers (owners: their own)`,
          security: bearer,
          querystring: s.listPeersQuery,
          response: {
            200: {
              description: 'The servers',
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: s.peerSchema } },
            },
            ...errors,
          },
        },
      },
      async (request) => {
        const { peers } = await claims.listPeers({
          principal: principalOf(request),
          accountId: request.query.accountId ?? '',
          kind,
        });
        return { items: peers.map(peerView) };
      },
    );
  }
};
