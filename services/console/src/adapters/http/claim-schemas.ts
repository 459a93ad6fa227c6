// Schemas of the bulk and QR claim routes (bulk-claim-routes.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { deviceSchema, devEuiSchema, errorShape, idSchema } from './schemas.js';

export const maxBulkRows = 10_000;

const claimCode = { type: 'string', minLength: 1, maxLength: 64 } as const;

export const bulkClaimJsonBody = {
  type: 'object',
  additionalProperties: false,
  required: ['rows'],
  properties: {
    rows: {
      type: 'array',
      minItems: 1,
      maxItems: maxBulkRows,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['devEui', 'claimCode'],
        properties: {
          devEui: devEuiSchema,
          claimCode,
          networkServerId: idSchema,
          applicationServerId: idSchema,
        },
      },
    },
    networkServerId: { ...idSchema, description: 'for rows that name none' },
    applicationServerId: { ...idSchema, description: 'for rows that name none' },
  },
} as const;

export const bulkClaimCsvBody = {
  type: 'string',
  minLength: 1,
  description:
    'header `devEui,claimCode[,networkServerId,applicationServerId]`, then one device per line; query ' +
    '`networkServerId` for rows that name none',
} as const;

export const bulkClaimQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    networkServerId: { ...idSchema, description: 'for rows that name none' },
    applicationServerId: { ...idSchema, description: 'for rows that name none' },
  },
} as const;

export const bulkClaimResultSchema = {
  type: 'object',
  required: ['results', 'claimed', 'failed'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['row', 'devEui', 'status'],
        properties: {
          row: {
            type: 'integer',
            minimum: 1,
            description: '1: the first row (CSV: the line after the header)',
          },
          devEui: { type: ['string', 'null'] },
          status: { type: 'string', enum: ['claimed', 'failed'] },
          error: errorShape.properties.error,
          device: deviceSchema,
        },
      },
    },
    claimed: { type: 'integer', minimum: 0 },
    failed: { type: 'integer', minimum: 0 },
  },
} as const;

export const qrClaimBody = {
  type: 'object',
  additionalProperties: false,
  required: ['qr', 'networkServerId'],
  properties: {
    qr: {
      type: 'string',
      minLength: 1,
      maxLength: 512,
      description: 'TR005 payload `LW:D0:<JoinEUI>:<DevEUI>:<ProfileID>:O<claim code>…`',
    },
    networkServerId: idSchema,
    applicationServerId: idSchema,
  },
} as const;

export const qrImageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    claimCode: { ...claimCode, description: 'embedded as the OwnerToken once checked (not stored in clear)' },
    profileId: {
      type: 'string',
      pattern: '^[0-9A-Fa-f]{8}$',
      description: 'TR005 ProfileID, default 00000000',
    },
  },
} as const;

export const devEuiOnlyParams = {
  type: 'object',
  required: ['devEui'],
  properties: { devEui: devEuiSchema },
} as const;

export type BulkClaimJsonBody = FromSchema<typeof bulkClaimJsonBody>;
export type BulkClaimQuery = FromSchema<typeof bulkClaimQuery>;
export type QrClaimBody = FromSchema<typeof qrClaimBody>;
export type QrImageQuery = FromSchema<typeof qrImageQuery>;
export type DevEuiOnlyParams = FromSchema<typeof devEuiOnlyParams>;
