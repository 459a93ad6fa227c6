import type { Client } from '@joinery/grpc';
import type { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import type { KeysService } from '@joinery/proto/keys/v1/keys_pb';

/** The gateway owns nothing durable: its ports are the claims and keys services, reached over gRPC or in-process. */
export type ClaimsClient = Client<typeof ClaimsService>;
export type KeysClient = Client<typeof KeysService>;

/** How the caller authenticated at the transport: a verified client certificate and/or a bearer token. */
export interface PeerCredentialInput {
  /** SHA-256 of the DER client certificate, present only when the TLS layer verified it against Joinery's CA. */
  readonly certFingerprint?: Uint8Array;
  readonly bearerToken?: string;
}

/** Posts an answer to a peer's callback URL (asynchronous Backend Interfaces mode). */
export interface AsyncAnswerSender {
  send(
    url: string,
    answer: unknown,
    /**
     * `senderId`: the answer's SenderID (the JoinEUI, upper-case hex), which picks the client certificate.
     * `callbackCaPem`: the CA the NS registered for its callback server, trusted besides the system store.
     */
    context: {
      readonly devEui: string;
      readonly transactionId: number;
      readonly senderId: string;
      readonly callbackCaPem?: string;
    },
  ): Promise<void>;
}
