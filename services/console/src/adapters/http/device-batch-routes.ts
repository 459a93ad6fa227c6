import type { MessageInitShape } from '@bufbuild/protobuf';
import { hexToBytes } from '@joinery/backend-interfaces';
import type { BatchKey, BatchKeySchema } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as s from './schemas.js';

type KeyInput = NonNullable<s.DeviceBatchBody['devices']>[number]['nwkKey'];

const batchKey = (key: KeyInput | undefined): MessageInitShape<typeof BatchKeySchema> | undefined =>
  key === undefined
    ? undefined
    : typeof key === 'string'
      ? { key: { case: 'hex', value: key } }
      : { key: { case: 'wrapped', value: { kekLabel: key.kekLabel, wrapped: key.wrapped } } };

/** The manufacturer side (admin): transport KEKs and device batches with their root keys. */
export const deviceBatchRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.post<{ Body: s.TransportKekBody }>(
    '/api/v1/transport-keks',
    {
      schema: {
        operationId: 'registerTransportKek',
        tags: ['devices'],
        description:
          'A manufacturer wraps the root keys of its device batches under this AES key (RFC 3394); the batch then names the KEK by its label.',
        summary: "Register a manufacturer's transport KEK (admin) for wrapped root keys in device batches",
        security: bearer,
        body: s.transportKekBody,
        response: {
          201: {
            description: 'Registered',
            type: 'object',
            required: ['label'],
            properties: { label: { type: 'string' } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const registered = await claims.registerTransportKek({
        principal: principalOf(request),
        label: request.body.label,
        key: hexToBytes(request.body.key),
      });
      return reply.code(201).send({ label: registered.label });
    },
  );

  app.post<{ Body: s.DeviceBatchBody }>(
    '/api/v1/device-batches',
    {
      schema: {
        operationId: 'importDeviceBatch',
        tags: ['devices'],
        description:
          'Imports devices with their root keys and claim codes, as a JSON list or as CSV. Every row is checked first: one bad row refuses the whole batch with `invalid_batch`, naming the row and what is wrong with it.',
        summary: 'Import a batch of devices with their root keys and claim codes (admin); all or nothing',
        security: bearer,
        body: s.deviceBatchBody,
        response: { 201: { description: 'Every device imported', ...s.importedSchema }, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if ((body.devices === undefined) === (body.csv === undefined))
        throw consoleErrors.invalid_request({ field: 'devices' }, 'give exactly one of `devices` and `csv`');
      const imported = await claims.importBatch(
        {
          principal: principalOf(request),
          joinEui: body.joinEui,
          manufacturer: body.manufacturer ?? '',
          batchId: body.batchId ?? '',
          csv: body.csv ?? '',
          devices: (body.devices ?? []).map((d) => ({
            devEui: d.devEui,
            joinEui: d.joinEui ?? '',
            macVersion: d.macVersion,
            nwkKey: batchKey(d.nwkKey) as BatchKey,
            ...(d.appKey === undefined ? {} : { appKey: batchKey(d.appKey) as BatchKey }),
            claimCode: d.claimCode,
          })),
        },
        { timeoutMs: 600_000 },
      );
      return reply.code(201).send({ imported: imported.imported, batchId: imported.batchId });
    },
  );
};
