// Schemas of the network/application server lifecycle routes (peer-lifecycle-routes.ts).
import type { FromSchema } from 'json-schema-to-ts';
import {
  appSKeyDeliveries,
  bundleLinkSchema,
  idSchema,
  nameSchema,
  networkServerProducts,
  nullableString,
  peerShape,
  registeredApplicationServerShape,
  registeredNetworkServerShape,
} from './schemas.js';

export const peerIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: idSchema },
} as const;

export const bundleParams = {
  type: 'object',
  required: ['id', 'bundleId'],
  properties: { id: idSchema, bundleId: idSchema },
} as const;

export const bundleQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dir: {
      type: 'string',
      pattern: '^/[^\\u0000"\\\\]{0,300}$',
      description:
        'the absolute folder the files will be unpacked to (the configuration names them); default /etc/joinery/<id>',
    },
    joinEuiPrefixes: {
      type: 'string',
      pattern: '^[0-9A-Fa-f]{16}/[0-9]{1,2}(,[0-9A-Fa-f]{16}/[0-9]{1,2}){0,99}$',
      description:
        'comma-separated JoinEUI/bits routed to Joinery; default: the JoinEUIs of the account’s devices',
    },
  },
} as const;

export const peerDetailSchema = {
  type: 'object',
  required: [...peerShape.required, 'createdAt', 'overlapUntil', 'previousKekLabel'],
  properties: {
    ...peerShape.properties,
    product: { type: ['string', 'null'], enum: [...networkServerProducts, null] },
    asyncCaPem: nullableString,
    createdAt: { type: 'string', format: 'date-time' },
    overlapUntil: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'the previous credentials and KEK label work until then',
    },
    previousKekLabel: nullableString,
  },
} as const;

export const networkServerPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: nameSchema,
    asyncUrl: { type: ['string', 'null'], maxLength: 2048, description: 'null: answer synchronously' },
    asyncCaPem: { type: ['string', 'null'], maxLength: 65_536 },
    lifetime: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
    appSKeyDelivery: { type: 'string', enum: [...appSKeyDeliveries] },
  },
} as const;

export const applicationServerPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name: nameSchema },
} as const;

export const updatedPeerSchema = {
  type: 'object',
  required: ['peer', 'warnings'],
  properties: {
    peer: peerDetailSchema,
    warnings: registeredNetworkServerShape.properties.warnings,
  },
} as const;

export const rotationBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    overlapSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 604_800,
      description: 'how long the old certificate, token and KEK keep working; default 86400',
    },
  },
} as const;

const overlapUntil = { type: 'string', format: 'date-time' } as const;

export const networkServerRotationSchema = {
  ...registeredNetworkServerShape,
  required: [...registeredNetworkServerShape.required, 'overlapUntil', 'bundle'],
  properties: { ...registeredNetworkServerShape.properties, overlapUntil, bundle: bundleLinkSchema },
} as const;

export const applicationServerRotationSchema = {
  ...registeredApplicationServerShape,
  required: [...registeredApplicationServerShape.required, 'overlapUntil', 'bundle', 'warnings'],
  properties: {
    ...registeredApplicationServerShape.properties,
    overlapUntil,
    bundle: bundleLinkSchema,
    warnings: registeredNetworkServerShape.properties.warnings,
  },
} as const;

export type PeerIdParams = FromSchema<typeof peerIdParams>;
export type BundleParams = FromSchema<typeof bundleParams>;
export type BundleQuery = FromSchema<typeof bundleQuery>;
export type NetworkServerPatchBody = FromSchema<typeof networkServerPatchBody>;
export type RotationBody = FromSchema<typeof rotationBody>;
