import { Admission } from '../domain/admission.js';
import type { BiHandler, BiOutcome } from '../domain/bi-handler.js';
import type { PeerCredentialInput } from '../domain/ports.js';

/** A handler double for tests of the HTTP edge: records what the edge passed on and answers like the real one would. */
export function recordingHandler() {
  const seen: { body: unknown; credential: PeerCredentialInput }[] = [];
  const handler = {
    admission: new Admission({ maxInFlight: 1000, maxQueueAgeMs: 1000, maxEventLoopDelayMs: 1000 }),
    async handle(body: unknown, credential: PeerCredentialInput): Promise<BiOutcome> {
      seen.push({ body, credential });
      return {
        status: 200,
        body: { ProtocolVersion: '1.0', MessageType: 'JoinAns', Result: { ResultCode: 'Success' } } as never,
        messageType: 'JoinReq',
        resultCode: 'Success',
      };
    },
  } as unknown as BiHandler;
  return { handler, seen };
}
