import { hexToBytes } from '@joinery/backend-interfaces';
import type { FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import * as c from './claim-schemas.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';

/** The TR005 QR code of a device as an image, for the manufacturer's labels or the owner's records. */
export const deviceQrRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  const payloadOf = async (principal: ReturnType<typeof principalOf>, devEui: string, q: c.QrImageQuery) =>
    (
      await claims.getQrCode({
        principal,
        devEui: hexToBytes(devEui),
        claimCode: q.claimCode ?? '',
        profileId: q.profileId ?? '',
      })
    ).payload;

  for (const format of ['svg', 'png'] as const)
    app.get<{ Params: c.DevEuiOnlyParams; Querystring: c.QrImageQuery }>(
      `/api/v1/devices/:devEui/qr.${format}`,
      {
        schema: {
          operationId: format === 'svg' ? 'getDeviceQrCodeSvg' : 'getDeviceQrCodePng',
          description:
            'The TR005 QR code of a device for its label (the manufacturer: the admin; or its owner), with the ' +
            'claim code as OwnerToken only when the caller supplies it and it matches.',
          tags: ['devices'],
          summary:
            `The TR005 QR code of a device as ${format.toUpperCase()} (the admin, or the owner); with ` +
            '`claimCode`, checked and embedded as the OwnerToken',
          security: bearer,
          params: c.devEuiOnlyParams,
          querystring: c.qrImageQuery,
          response: {
            200: {
              description: format === 'svg' ? 'image/svg+xml' : 'image/png',
              type: 'string',
              ...(format === 'png' ? { format: 'binary' } : {}),
            },
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const payload = await payloadOf(principalOf(request), request.params.devEui, request.query);
        // Error correction M, as TR005 recommends for labels; the payload is upper-case alphanumeric plus the token.
        const options = { errorCorrectionLevel: 'M', margin: 4 } as const;
        void reply.header('cache-control', 'no-store');
        if (format === 'svg')
          return reply
            .type('image/svg+xml')
            .serializer((p: unknown) => p as string)
            .send(await QRCode.toString(payload, { ...options, type: 'svg' }));
        // A Buffer goes out as it is (Fastify serialises objects and strings only).
        return reply
          .type('image/png')
          .send(await QRCode.toBuffer(payload, { ...options, type: 'png', scale: 8 }));
      },
    );
};
