import type { KeyEnvelope } from '@joinery/backend-interfaces';
import type { KeyEnvelope as KeyEnvelopePb } from '@joinery/proto/keys/v1/keys_pb';

/** A key from keys as BI puts it; absent when keys sent none. */
export function envelopeOf(pb: KeyEnvelopePb | undefined): KeyEnvelope | undefined {
  if (pb === undefined || pb.key.length === 0) return undefined;
  return pb.kekLabel === '' ? { key: pb.key } : { kekLabel: pb.kekLabel, key: pb.key };
}
