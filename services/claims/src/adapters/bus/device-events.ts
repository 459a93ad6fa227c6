import { hexToBytes } from '../../domain/identifiers.js';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DeviceEventSchema, type DeviceEvent } from '@joinery/proto/events/v1/events_pb';
import type { DeviceEventRecord } from '../../domain/model.js';
import type { DeviceEventPublisher } from '../../domain/ports.js';

/** The topic device events go to; keyed by the upper-case DevEUI. */
export const devicesTopic = 'joinery.devices.v1';

export function deviceEventToProto(e: DeviceEventRecord): DeviceEvent {
  return create(DeviceEventSchema, {
    eventId: e.eventId,
    devEui: hexToBytes(e.devEui),
    time: timestampFromDate(new Date(e.time)),
    change: changeInit(e),
  });
}

type ChangeInit = NonNullable<
  Extract<MessageInitShape<typeof DeviceEventSchema>, { change?: unknown }>['change']
>;

function changeInit(e: DeviceEventRecord): ChangeInit {
  const c = e.change;
  switch (c.kind) {
    case 'imported':
      return {
        case: 'imported' as const,
        value: { joinEui: hexToBytes(c.joinEui), batchId: c.batchId, macVersion: c.macVersion },
      };
    case 'claimed':
      return {
        case: 'claimed' as const,
        value: {
          accountId: c.accountId,
          networkServerId: c.networkServerId,
          applicationServerId: c.applicationServerId ?? '',
        },
      };
    case 'unclaimed':
      return { case: 'unclaimed' as const, value: { accountId: c.accountId } };
    case 'transferred':
      return {
        case: 'transferred' as const,
        value: {
          accountId: c.accountId,
          fromNetworkServerId: c.fromNetworkServerId,
          toNetworkServerId: c.toNetworkServerId,
        },
      };
    case 'locked':
      return { case: 'locked' as const, value: { reason: c.reason } };
    case 'unlocked':
      return { case: 'unlocked' as const, value: {} };
  }
}

/** One message for a bus: key = DevEUI, value = DeviceEvent protobuf binary. */
export interface DeviceEventMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
}

/** Adapts a bus `send` (libs/bus Publisher, Kafka, the in-process bus) to the domain's DeviceEventPublisher. */
export function busDeviceEventPublisher(
  send: (messages: readonly DeviceEventMessage[]) => Promise<void>,
): DeviceEventPublisher {
  return {
    async publish(events) {
      await send(
        events.map((e) => ({
          topic: devicesTopic,
          key: e.devEui,
          value: toBinary(DeviceEventSchema, deviceEventToProto(e)),
        })),
      );
    },
  };
}
