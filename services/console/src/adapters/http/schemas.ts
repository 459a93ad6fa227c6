// JSON Schemas of the management API: fastify validates requests with them and serialises answers with them, and
// @fastify/swagger turns the same objects into the OpenAPI document, and the request types the routes see are derived
// from them (`FromSchema`). One source, no drift.

import type { FromSchema } from 'json-schema-to-ts';
import { macVersionAliases, macVersions } from '@joinery/lorawan';

const hex = (bytes: number, description: string) =>
  ({ type: 'string', pattern: `^[0-9A-Fa-f]{${bytes * 2}}$`, description }) as const;

export const devEuiSchema = hex(8, 'DevEUI, 16 hex digits');
export const joinEuiSchema = hex(8, 'JoinEUI, 16 hex digits');
const aesKeySchema = {
  type: 'string',
  pattern: '^[0-9A-Fa-f]{32}$',
  description: 'AES-128 key, 32 hex digits',
} as const;
export const idSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;
export const nameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
export const nullableString = { type: ['string', 'null'] } as const;

/**
 * A shared component schema by its `$id`: fastify resolves it for validation and serialisation (`addSchema`), and
 * the OpenAPI document lists it once under `components/schemas/<id>` and refers to it from every operation.
 */
const ref = <const Id extends string>(id: Id) => ({ $ref: `${id}#` }) as { readonly $ref: `${Id}#` };

export const errorSchema = ref('Error');
export const deviceSchema = ref('Device');
export const accountSchema = ref('Account');
export const importedSchema = ref('ImportedBatch');
export const registeredNetworkServerSchema = ref('RegisteredNetworkServer');
export const registeredApplicationServerSchema = ref('RegisteredApplicationServer');
export const peerSchema = ref('Peer');
export const devNonceResetSchema = ref('DevNonceReset');
export const nonceStateSchema = ref('NonceState');
export const deviceListSchema = ref('DeviceList');
export const chargeSchema = ref('Charge');
export const chargesSchema = ref('ChargeList');
export const invoiceSchema = ref('Invoice');
export const invoiceListSchema = ref('InvoiceList');
export const whoAmISchema = ref('WhoAmI');
export const deviceRoamingSchema = ref('DeviceRoaming');
export const accountRoamingSchema = ref('AccountRoaming');

const errorComponent = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

const deviceComponent = {
  $id: 'Device',
  type: 'object',
  required: [
    'devEui',
    'joinEui',
    'macVersion',
    'claimed',
    'accountId',
    'networkServerId',
    'activated',
    'joinCount',
    'lastJoinAt',
  ],
  properties: {
    devEui: { type: 'string' },
    joinEui: { type: 'string' },
    macVersion: { type: 'string', enum: [...macVersions] },
    claimed: { type: 'boolean' },
    accountId: nullableString,
    networkServerId: nullableString,
    activated: { type: 'boolean' },
    joinCount: { type: 'integer', minimum: 0 },
    lastJoinAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const createAccountBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: nameSchema },
} as const;

const accountComponent = {
  $id: 'Account',
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const transportKekBody = {
  type: 'object',
  additionalProperties: false,
  required: ['label', 'key'],
  properties: {
    label: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
    key: {
      type: 'string',
      pattern: '^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{64})$',
      description: 'AES key, hex',
    },
  },
} as const;

const batchKeySchema = {
  oneOf: [
    aesKeySchema,
    {
      type: 'object',
      additionalProperties: false,
      required: ['kekLabel', 'wrapped'],
      properties: {
        kekLabel: { type: 'string', minLength: 1 },
        wrapped: {
          type: 'string',
          pattern: '^[0-9A-Fa-f]{48}$',
          description: 'RFC 3394-wrapped AES-128 key, hex',
        },
      },
    },
  ],
} as const;

export const deviceBatchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['joinEui'],
  properties: {
    joinEui: joinEuiSchema,
    manufacturer: { type: 'string', maxLength: 200 },
    batchId: { type: 'string', maxLength: 128 },
    devices: {
      type: 'array',
      minItems: 1,
      maxItems: 100_000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['devEui', 'macVersion', 'nwkKey', 'claimCode'],
        properties: {
          devEui: devEuiSchema,
          joinEui: joinEuiSchema,
          macVersion: { type: 'string', enum: [...macVersions, ...macVersionAliases] },
          nwkKey: batchKeySchema,
          appKey: batchKeySchema,
          claimCode: { type: 'string', minLength: 1, maxLength: 64 },
        },
      },
    },
    csv: {
      type: 'string',
      minLength: 1,
      description:
        'Alternative to `devices`: CSV with a header devEui,joinEui,macVersion,nwkKey,appKey,claimCode',
    },
  },
} as const;

const importedComponent = {
  $id: 'ImportedBatch',
  type: 'object',
  required: ['imported', 'batchId'],
  properties: { imported: { type: 'integer' }, batchId: { type: 'string' } },
} as const;

const credentialsSchema = {
  type: 'object',
  required: ['caCertPem', 'clientCertPem', 'clientKeyPem'],
  properties: {
    caCertPem: { type: 'string' },
    clientCertPem: { type: 'string' },
    clientKeyPem: { type: 'string' },
  },
} as const;

const kekSchema = {
  type: 'object',
  required: ['label', 'key'],
  properties: { label: { type: 'string' }, key: { type: 'string', description: 'hex, shown this once' } },
} as const;

/** Where the registration's (or rotation's) credentials archive is downloaded, once, within the hour. */
export const bundleLinkSchema = {
  type: ['object', 'null'],
  required: ['url', 'expiresAt'],
  properties: {
    url: { type: 'string', description: 'GET it (same bearer token): application/zip, once' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
  description: 'null when the archive could not be stored (the credentials above are still valid)',
} as const;

export const appSKeyDeliveries = ['wrapped', 'plaintext', 'session-key-id'] as const;
export const networkServerProducts = ['chirpstack', 'the-things-stack', 'other'] as const;

export const networkServerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'netId'],
  properties: {
    name: nameSchema,
    netId: hex(3, 'NetID, 6 hex digits'),
    nsId: hex(8, 'NSID (BI 1.1 SenderNSID), 16 hex digits'),
    kekLabel: {
      type: 'string',
      pattern: '^[A-Za-z0-9._:-]{1,64}$',
      description:
        'kept in the account’s namespace: the KEK comes back labelled acct-<account id hex>/<kekLabel>',
    },
    appSKeyDelivery: {
      type: 'string',
      enum: [...appSKeyDeliveries],
      description:
        'default wrapped; plaintext for product chirpstack (ChirpStack decrypts payloads only then)',
    },
    product: {
      type: 'string',
      enum: [...networkServerProducts],
      description:
        'the NS product; chirpstack picks its AppSKey delivery and warns about choices it cannot decrypt',
    },
    lifetime: {
      type: 'integer',
      minimum: 0,
      maximum: 4_294_967_295,
      description: 'session lifetime, seconds',
    },
    asyncUrl: {
      type: 'string',
      pattern: '^https?://',
      maxLength: 2048,
      description: 'a public address (private ones only with JOINERY_ALLOW_PRIVATE_ASYNC_URLS=true)',
    },
    asyncCaPem: {
      type: 'string',
      maxLength: 65_536,
      description: 'PEM certificates of the CA of the asyncUrl server, trusted besides the system store',
    },
    plaintextNwkKeys: { type: 'boolean' },
    accountId: { ...idSchema, description: 'admin only: the account to register for' },
  },
} as const;

export const registrationWarningsSchema = {
  type: 'array',
  description: 'what the owner should know about this registration, e.g. a choice that turns off decryption',
  items: {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: ['chirpstack_no_payload_decryption', 'too_many_bundles'] },
      message: { type: 'string' },
    },
  },
} as const;

const registeredNetworkServerComponent = {
  $id: 'RegisteredNetworkServer',
  type: 'object',
  required: [
    'id',
    'netId',
    'nsId',
    'appSKeyDelivery',
    'product',
    'kek',
    'bearerToken',
    'credentials',
    'warnings',
  ],
  properties: {
    id: { type: 'string' },
    netId: { type: 'string' },
    nsId: nullableString,
    appSKeyDelivery: { type: 'string', enum: [...appSKeyDeliveries] },
    product: { type: ['string', 'null'], enum: [...networkServerProducts, null] },
    kek: kekSchema,
    bearerToken: { type: 'string' },
    credentials: credentialsSchema,
    warnings: registrationWarningsSchema,
    bundle: bundleLinkSchema,
  },
} as const;

export const applicationServerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'asId'],
  properties: {
    name: nameSchema,
    asId: { type: 'string', minLength: 1, maxLength: 255 },
    kekLabel: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
    accountId: idSchema,
  },
} as const;

const registeredApplicationServerComponent = {
  $id: 'RegisteredApplicationServer',
  type: 'object',
  required: ['id', 'asId', 'kek', 'bearerToken', 'credentials'],
  properties: {
    id: { type: 'string' },
    asId: { type: 'string' },
    kek: kekSchema,
    bearerToken: { type: 'string' },
    credentials: credentialsSchema,
    bundle: bundleLinkSchema,
  },
} as const;

const peerComponent = {
  $id: 'Peer',
  type: 'object',
  required: ['id', 'kind', 'accountId', 'name'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['network-server', 'application-server'] },
    accountId: { type: 'string' },
    name: { type: 'string' },
    netId: nullableString,
    nsId: nullableString,
    asId: nullableString,
    kekLabel: { type: 'string' },
    appSKeyDelivery: { type: ['string', 'null'], enum: [...appSKeyDeliveries, null] },
    lifetime: { type: 'integer' },
    asyncUrl: nullableString,
  },
} as const;

export const claimBody = {
  type: 'object',
  additionalProperties: false,
  required: ['devEui', 'claimCode', 'networkServerId'],
  properties: {
    devEui: devEuiSchema,
    claimCode: { type: 'string', minLength: 1, maxLength: 64 },
    networkServerId: idSchema,
    applicationServerId: idSchema,
  },
} as const;

export const transferBody = {
  type: 'object',
  additionalProperties: false,
  required: ['networkServerId'],
  properties: { networkServerId: idSchema, applicationServerId: idSchema },
} as const;

export const devNonceResetBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

const devNonceResetComponent = {
  $id: 'DevNonceReset',
  type: 'object',
  required: ['actor', 'reason', 'at', 'lastDevNonce', 'historySize'],
  properties: {
    actor: { type: 'string', description: '`admin/<api key id>` or `account:<account id>/<api key id>`' },
    reason: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    lastDevNonce: {
      type: 'integer',
      minimum: -1,
      description: 'the last accepted DevNonce before the reset; -1: none',
    },
    historySize: {
      type: 'integer',
      minimum: 0,
      description: 'DevNonces the LoRaWAN 1.0.0–1.0.3 history held',
    },
  },
} as const;

const nonceStateComponent = {
  $id: 'NonceState',
  type: 'object',
  required: ['devEui', 'joinNonce', 'lastDevNonce', 'devNonceHistorySize', 'sessionCount', 'resets'],
  properties: {
    devEui: { type: 'string' },
    joinNonce: { type: 'integer', minimum: 0, description: 'the last JoinNonce handed out; 0: none yet' },
    lastDevNonce: { type: 'integer', minimum: -1, description: 'the last accepted DevNonce; -1: none' },
    devNonceHistorySize: { type: 'integer', minimum: 0 },
    sessionCount: { type: 'integer', minimum: 0 },
    resets: { type: 'array', items: devNonceResetSchema },
  },
} as const;

export const devEuiParams = {
  type: 'object',
  required: ['devEui'],
  properties: { devEui: devEuiSchema },
} as const;

/** `cursor` and `limit` of every collection (`{items, nextCursor}`). */
export const pageQueryProperties = {
  cursor: { ...idSchema, description: 'nextCursor of the page before' },
  limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1–500, default 50' },
} as const;

const booleanQuery = { type: 'string', enum: ['true', 'false'] } as const;

export const listDevicesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    accountId: { ...idSchema, description: 'admin only' },
    batchId: { ...idSchema, description: 'admin only' },
    claimed: { ...booleanQuery, description: 'only claimed (or only unclaimed) devices' },
    networkServerId: { ...idSchema, description: 'only devices bound to this network server' },
    macVersion: { type: 'string', enum: [...macVersions] },
    activated: { ...booleanQuery, description: 'only devices that joined at least once (or never)' },
    lastJoinSince: {
      type: 'string',
      format: 'date-time',
      description: 'only devices whose last accepted join is at or after this time',
    },
    devEuiPrefix: { type: 'string', pattern: '^[0-9A-Fa-f]{1,16}$', description: 'DevEUI prefix, hex' },
    ...pageQueryProperties,
  },
} as const;

const deviceListComponent = {
  $id: 'DeviceList',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: deviceSchema }, nextCursor: nullableString },
} as const;

const isoDate = { type: 'string', format: 'date-time' } as const;

export const listPeersQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { accountId: { ...idSchema, description: 'admin: the account; owners always see their own' } },
} as const;

export const chargesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    accountId: { ...idSchema, description: 'admin: one account (default all); owners always see their own' },
    from: { ...isoDate, description: 'inclusive' },
    to: { ...isoDate, description: 'exclusive' },
    cursor: { ...idSchema, description: 'nextCursor of the page before' },
    limit: {
      type: 'string',
      pattern: '^[1-9][0-9]{0,2}$',
      description: '1–500; without limit and cursor every charge comes at once (the PRODUCT contract)',
    },
  },
} as const;

const chargeComponent = {
  $id: 'Charge',
  type: 'object',
  required: ['devEui', 'accountId', 'amountMinor', 'currency', 'chargedAt'],
  properties: {
    devEui: { type: 'string' },
    accountId: { type: 'string' },
    amountMinor: { type: 'integer' },
    currency: { type: 'string' },
    chargedAt: isoDate,
  },
} as const;

const chargesComponent = {
  $id: 'ChargeList',
  type: 'object',
  required: ['charges', 'items', 'nextCursor'],
  properties: {
    charges: {
      type: 'array',
      items: chargeSchema,
      description: 'the PRODUCT contract: the same charges as `items`',
    },
    items: { type: 'array', items: chargeSchema },
    nextCursor: nullableString,
  },
} as const;

export const invoiceParams = {
  type: 'object',
  required: ['period'],
  properties: { period: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' } },
} as const;

export const invoiceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    accountId: { ...idSchema, description: 'admin: required; owners: their own' },
    format: {
      type: 'string',
      enum: ['json', 'csv', 'pdf'],
      description: 'json (default), csv (the lines) or pdf (the document)',
    },
  },
} as const;

export const listInvoicesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    accountId: { ...idSchema, description: 'admin: one account (default all); owners always see their own' },
    cursor: { type: 'string', minLength: 1, maxLength: 200, description: 'nextCursor of the page before' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1–500, default 50' },
  },
} as const;

const invoiceTotalSchema = {
  type: 'object',
  required: ['currency', 'totalMinor'],
  properties: { currency: { type: 'string' }, totalMinor: { type: 'integer' } },
} as const;

const invoiceStatusSchema = {
  type: 'string',
  enum: ['draft', 'issued'],
  description: 'issued once the month is over (it then has a number); a draft before',
} as const;

const invoiceIssuerComponent = {
  $id: 'InvoiceIssuer',
  type: 'object',
  description: 'Who issues the invoices (JOINERY_INVOICE_ISSUER_*)',
  required: ['name', 'address', 'taxId', 'email'],
  properties: {
    name: { type: 'string' },
    address: { type: 'string', description: 'lines separated by newlines' },
    taxId: { type: 'string' },
    email: { type: 'string' },
  },
} as const;

const invoiceLineComponent = {
  $id: 'InvoiceLine',
  type: 'object',
  description: "One device's activation",
  required: ['description', 'devEui', 'quantity', 'unitMinor', 'amountMinor', 'currency', 'chargedAt'],
  properties: {
    description: { type: 'string' },
    devEui: { type: 'string' },
    quantity: { type: 'integer', minimum: 1 },
    unitMinor: { type: 'integer' },
    amountMinor: { type: 'integer' },
    currency: { type: 'string' },
    chargedAt: isoDate,
  },
} as const;

const invoiceComponent = {
  $id: 'Invoice',
  type: 'object',
  description: 'The invoice of one account for one calendar month (UTC)',
  required: [
    'number',
    'status',
    'issuedAt',
    'issuer',
    'accountId',
    'period',
    'periodStart',
    'periodEnd',
    'lines',
    'totals',
    'charges',
    'totalMinor',
    'currency',
  ],
  properties: {
    number: {
      type: ['string', 'null'],
      description: 'sequential per issuer, e.g. INV-000042; null for a draft',
    },
    status: invoiceStatusSchema,
    issuedAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'the invoice date; null for a draft',
    },
    issuer: ref('InvoiceIssuer'),
    accountId: { type: 'string' },
    period: { type: 'string', description: 'YYYY-MM' },
    periodStart: { ...isoDate, description: 'inclusive' },
    periodEnd: { ...isoDate, description: 'exclusive' },
    lines: { type: 'array', items: ref('InvoiceLine') },
    totals: { type: 'array', items: invoiceTotalSchema, description: 'one per currency' },
    charges: { type: 'array', items: chargeSchema },
    totalMinor: { type: 'integer', description: 'the total of the first currency' },
    currency: { type: 'string' },
  },
} as const;

const invoiceSummaryComponent = {
  $id: 'InvoiceSummary',
  type: 'object',
  required: ['number', 'status', 'issuedAt', 'accountId', 'period', 'totals', 'lineCount'],
  properties: {
    number: { type: ['string', 'null'] },
    status: invoiceStatusSchema,
    issuedAt: { type: ['string', 'null'], format: 'date-time' },
    accountId: { type: 'string' },
    period: {
      type: 'string',
      description: 'YYYY-MM; GET /api/v1/billing/invoices/{period} for the document',
    },
    totals: { type: 'array', items: invoiceTotalSchema },
    lineCount: { type: 'integer', minimum: 0 },
  },
} as const;

const invoiceListComponent = {
  $id: 'InvoiceList',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: ref('InvoiceSummary') },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

const whoAmIComponent = {
  $id: 'WhoAmI',
  type: 'object',
  required: ['accountId', 'scope'],
  properties: { accountId: nullableString, scope: { type: 'string', enum: ['admin', 'owner'] } },
} as const;

const netIdsSchema = {
  type: 'array',
  maxItems: 64,
  items: { type: 'string', pattern: '^(0x)?[0-9A-Fa-f]{6}$', description: 'NetID, 6 hex digits' },
} as const;

export const roamingBody = {
  type: 'object',
  required: ['netIds'],
  additionalProperties: false,
  properties: {
    netIds: {
      ...netIdsSchema,
      description: 'the whole list of roaming agreements (replaces the stored one)',
    },
    accountId: { ...idSchema, description: 'admin only: the account (account-level agreements)' },
  },
} as const;

export const deviceRoamingBody = {
  type: 'object',
  required: ['netIds'],
  additionalProperties: false,
  properties: {
    netIds: { ...netIdsSchema, description: 'the whole list of roaming agreements of the device' },
  },
} as const;

export const roamingQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { accountId: { ...idSchema, description: 'admin only: the account' } },
} as const;

const deviceRoamingComponent = {
  $id: 'DeviceRoaming',
  type: 'object',
  required: ['devEui', 'netIds'],
  properties: { devEui: { type: 'string' }, netIds: { type: 'array', items: { type: 'string' } } },
} as const;

const accountRoamingComponent = {
  $id: 'AccountRoaming',
  type: 'object',
  required: ['accountId', 'netIds'],
  properties: { accountId: { type: 'string' }, netIds: { type: 'array', items: { type: 'string' } } },
} as const;

// What a route receives once fastify has validated it against the schema above.
export type CreateAccountBody = FromSchema<typeof createAccountBody>;
export type TransportKekBody = FromSchema<typeof transportKekBody>;
export type DeviceBatchBody = FromSchema<typeof deviceBatchBody>;
export type NetworkServerBody = FromSchema<typeof networkServerBody>;
export type ApplicationServerBody = FromSchema<typeof applicationServerBody>;
export type ListPeersQuery = FromSchema<typeof listPeersQuery>;
export type ClaimBody = FromSchema<typeof claimBody>;
export type TransferBody = FromSchema<typeof transferBody>;
export type DevNonceResetBody = FromSchema<typeof devNonceResetBody>;
export type DevEuiParams = FromSchema<typeof devEuiParams>;
export type ListDevicesQuery = FromSchema<typeof listDevicesQuery>;
export type ChargesQuery = FromSchema<typeof chargesQuery>;
export type InvoiceParams = FromSchema<typeof invoiceParams>;
export type InvoiceQuery = FromSchema<typeof invoiceQuery>;
export type ListInvoicesQuery = FromSchema<typeof listInvoicesQuery>;
export type RoamingBody = FromSchema<typeof roamingBody>;
export type DeviceRoamingBody = FromSchema<typeof deviceRoamingBody>;
export type RoamingQuery = FromSchema<typeof roamingQuery>;

/** Every shared component schema, registered with `app.addSchema` before the routes (`registerComponents`). */
export const componentSchemas = [
  errorComponent,
  deviceComponent,
  accountComponent,
  importedComponent,
  registeredNetworkServerComponent,
  registeredApplicationServerComponent,
  peerComponent,
  devNonceResetComponent,
  nonceStateComponent,
  deviceListComponent,
  chargeComponent,
  chargesComponent,
  invoiceIssuerComponent,
  invoiceLineComponent,
  invoiceComponent,
  invoiceSummaryComponent,
  invoiceListComponent,
  whoAmIComponent,
  deviceRoamingComponent,
  accountRoamingComponent,
] as const;

/** A component without its `$id`, for schemas that extend it (`{...peerShape.properties, …}`). */
const shapeOf = <T extends { readonly $id: string }>({ $id: _id, ...shape }: T): Omit<T, '$id'> => shape;
export const errorShape = shapeOf(errorComponent);
export const peerShape = shapeOf(peerComponent);
export const registeredNetworkServerShape = shapeOf(registeredNetworkServerComponent);
export const registeredApplicationServerShape = shapeOf(registeredApplicationServerComponent);
