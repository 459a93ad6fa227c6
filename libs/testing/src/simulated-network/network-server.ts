// A network server speaking Backend Interfaces to Joinery over mTLS, checking each join end to end.
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:https';
import { bytesOf, hexOf, type SimulatedDevice } from './device.js';
import { joinReqMessage, openJoinAns, unwrapEnvelope, type KeyEnvelope } from './join.js';
import { peerAgent, postBi, type PeerCredentials } from './bi-client.js';

export interface NetworkServerIdentity {
  readonly netId: string;
  /** BI 1.1 SenderNSID; absent, null or empty: the NS speaks BI 1.0. */
  readonly nsId?: string | null;
  readonly kek: { readonly label: string; readonly key: string };
  readonly credentials: PeerCredentials;
  /** With `auth: 'bearer-token'`: sent as `Authorization: Bearer …` instead of the client certificate. */
  readonly bearerToken?: string;
}

export interface SimulatedNetworkServerOptions {
  /** How the NS authenticates: its client certificate (default) or its bearer token (over TLS, no certificate). */
  readonly auth?: 'certificate' | 'bearer-token';
}

export interface JoinOutcome {
  readonly ok: boolean;
  readonly resultCode: string;
  readonly description?: string;
  readonly joinNonce?: number;
  readonly sessionKeyId?: string;
  /** The AppSKey as the device derived it (upper-case hex), to check an AS's AppSKeyReq against. */
  readonly deviceAppSKey?: string;
}

/** A network server speaking Backend Interfaces to Joinery over mTLS (or TLS and a bearer token) with keep-alive. */
export class SimulatedNetworkServer {
  readonly #agent: Agent;
  readonly #token: string | undefined;
  #transactionId = 1;

  constructor(
    readonly biUrl: URL,
    readonly identity: NetworkServerIdentity,
    options: SimulatedNetworkServerOptions = {},
  ) {
    const bearer = options.auth === 'bearer-token';
    if (bearer && identity.bearerToken === undefined)
      throw new Error('bearer-token auth needs identity.bearerToken');
    this.#token = bearer ? identity.bearerToken : undefined;
    this.#agent = bearer
      ? new Agent({ keepAlive: true, ca: identity.credentials.caCertPem })
      : peerAgent(identity.credentials);
  }

  /** Sends one JoinReq for the device and checks the answer end to end; never throws for a refusal. */
  async join(d: SimulatedDevice, joinEui: string): Promise<JoinOutcome> {
    const devNonce = d.nextDevNonce;
    d.nextDevNonce = (d.nextDevNonce + 1) & 0xffff;
    const transactionId = this.#transactionId++;
    const body = joinReqMessage(d, {
      joinEui,
      devNonce,
      senderId: this.identity.netId,
      senderNsId: this.identity.nsId ?? '',
      transactionId,
      devAddr: hexOf(randomBytes(4)),
    });
    const answer = await postBi(this.biUrl, body, this.#agent, { token: this.#token });
    const result = answer['Result'] as { ResultCode?: string; Description?: string } | undefined;
    const resultCode = result?.ResultCode ?? 'missing';
    if (resultCode !== 'Success')
      return {
        ok: false,
        resultCode,
        ...(result?.Description === undefined ? {} : { description: result.Description }),
      };
    if (answer['TransactionID'] !== transactionId) return { ok: false, resultCode: 'TransactionIDMismatch' };
    // A 1.1 device joins with the 1.1 scheme (OptNeg) whatever the BI version: ChirpStack sets OptNeg unless the
    // MACVersion starts with "1.0" (spec digest §5.2).
    const opened = openJoinAns(d, { joinEui, devNonce }, String(answer['PHYPayload']));
    const kek = bytesOf(this.identity.kek.key);
    const unwrapped = (field: string): string | undefined => {
      const envelope = answer[field] as Partial<KeyEnvelope> | undefined;
      if (envelope?.AESKey === undefined) return undefined;
      const label = envelope.KEKLabel ?? '';
      if (label !== '' && label !== this.identity.kek.label) return `unknown KEK label ${label}`;
      return unwrapEnvelope({ KEKLabel: label, AESKey: envelope.AESKey }, kek);
    };
    const keys = opened.sessionKeys;
    const expected: Record<string, string> = keys.optNeg
      ? {
          FNwkSIntKey: keys.fNwkSIntKey.toHex().toUpperCase(),
          SNwkSIntKey: keys.sNwkSIntKey.toHex().toUpperCase(),
          NwkSEncKey: keys.nwkSEncKey.toHex().toUpperCase(),
        }
      : { NwkSKey: keys.nwkSKey.toHex().toUpperCase() };
    for (const [field, key] of Object.entries(expected))
      if (unwrapped(field) !== key) return { ok: false, resultCode: `${field}Mismatch` };
    const appSKey = unwrapped('AppSKey');
    if (appSKey !== undefined && appSKey !== keys.appSKey.toHex().toUpperCase())
      return { ok: false, resultCode: 'AppSKeyMismatch' };
    return {
      ok: true,
      resultCode,
      joinNonce: opened.joinAccept.joinNonce.value,
      deviceAppSKey: keys.appSKey.toHex().toUpperCase(),
      ...(typeof answer['SessionKeyID'] === 'string' ? { sessionKeyId: answer['SessionKeyID'] } : {}),
    };
  }

  close(): void {
    this.#agent.destroy();
  }
}
