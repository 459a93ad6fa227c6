// A network server and its devices, simulated with real LoRaWAN crypto (@joinery/lorawan): builds join-requests
// as the devices would, sends JoinReqs over mTLS as a BI client would, then opens each join-accept as the device
// and unwraps each session key with the NS's KEK, and checks that both sides hold the same keys.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import {
  AES128Key,
  DevNonce,
  EUI64,
  JoinReqType,
  encodeJoinRequest,
  joinRequestMic,
  keyUnwrap,
  openJoinAccept,
  type MacVersion,
} from '@joinery/lorawan';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const bytesOf = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

export interface SimulatedDevice {
  readonly devEui: string;
  readonly macVersion: MacVersion;
  readonly nwkKey: Uint8Array;
  readonly appKey?: Uint8Array;
  readonly claimCode: string;
  /** The next DevNonce this device will use. */
  nextDevNonce: number;
}

export function simulatedDevice(macVersion: MacVersion): SimulatedDevice {
  return {
    devEui: hexOf(randomBytes(8)),
    macVersion,
    nwkKey: new Uint8Array(randomBytes(16)),
    ...(macVersion === '1.1' ? { appKey: new Uint8Array(randomBytes(16)) } : {}),
    claimCode: randomBytes(6).toString('hex'),
    // 1.0.0–1.0.3 devices pick DevNonces at random; 1.0.4 and 1.1 count from 0.
    nextDevNonce: macVersion === '1.0.4' || macVersion === '1.1' ? 0 : randomBytes(2).readUInt16BE(0),
  };
}

/** The row of `POST /api/v1/device-batches` that a manufacturer would send for this device. */
export function batchRow(d: SimulatedDevice) {
  return {
    devEui: d.devEui,
    macVersion: d.macVersion,
    nwkKey: hexOf(d.nwkKey),
    ...(d.appKey === undefined ? {} : { appKey: hexOf(d.appKey) }),
    claimCode: d.claimCode,
  };
}

export interface NetworkServerIdentity {
  readonly netId: string;
  /** BI 1.1 SenderNSID; absent, null or empty: the NS speaks BI 1.0. */
  readonly nsId?: string | null;
  readonly kek: { readonly label: string; readonly key: string };
  readonly credentials: {
    readonly caCertPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
  };
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

/** A network server speaking Backend Interfaces to Joinery over mTLS with keep-alive. */
export class SimulatedNetworkServer {
  readonly #agent: Agent;
  #transactionId = 1;

  constructor(
    readonly biUrl: URL,
    readonly identity: NetworkServerIdentity,
  ) {
    this.#agent = peerAgent(identity.credentials);
  }

  /** Sends one JoinReq for the device and checks the answer end to end; never throws for a refusal. */
  async join(d: SimulatedDevice, joinEui: string): Promise<JoinOutcome> {
    const devNonce = d.nextDevNonce;
    d.nextDevNonce = (d.nextDevNonce + 1) & 0xffff;
    const nsId = this.identity.nsId ?? '';
    const bi11 = nsId !== '';
    // A 1.1 device joins with the 1.1 scheme (OptNeg) whatever the BI version: ChirpStack sets OptNeg unless the
    // MACVersion starts with "1.0" (spec digest §5.2).
    const optNeg = d.macVersion === '1.1';
    const fields = {
      joinEui: EUI64.parse(joinEui),
      devEui: EUI64.parse(d.devEui),
      devNonce: DevNonce.of(devNonce),
    };
    const phy = encodeJoinRequest(fields, joinRequestMic(AES128Key.fromBytes(d.nwkKey), fields));
    const transactionId = this.#transactionId++;
    const body = {
      ProtocolVersion: bi11 ? '1.1' : '1.0',
      SenderID: this.identity.netId,
      ...(bi11 ? { SenderNSID: nsId } : {}),
      ReceiverID: joinEui,
      TransactionID: transactionId,
      MessageType: 'JoinReq',
      MACVersion: d.macVersion === '1.1' ? (bi11 ? '1.1' : '1.1.0') : d.macVersion,
      PHYPayload: hexOf(phy),
      DevEUI: d.devEui,
      DevAddr: hexOf(randomBytes(4)),
      DLSettings: optNeg ? '80' : '00',
      RxDelay: 1,
    };
    const answer = await postBi(this.biUrl, body, this.#agent);
    const result = answer['Result'] as { ResultCode?: string; Description?: string } | undefined;
    const resultCode = result?.ResultCode ?? 'missing';
    if (resultCode !== 'Success')
      return {
        ok: false,
        resultCode,
        ...(result?.Description === undefined ? {} : { description: result.Description }),
      };
    if (answer['TransactionID'] !== transactionId) return { ok: false, resultCode: 'TransactionIDMismatch' };
    const opened = openJoinAccept(
      {
        macVersion: d.macVersion === '1.1' && !optNeg ? '1.0.4' : d.macVersion,
        optNeg,
        joinReqType: JoinReqType.joinRequest,
        nwkKey: AES128Key.fromBytes(d.nwkKey),
        ...(d.appKey === undefined ? {} : { appKey: AES128Key.fromBytes(d.appKey) }),
        devEui: EUI64.parse(d.devEui),
        joinEui: EUI64.parse(joinEui),
        devNonce: DevNonce.of(devNonce),
      },
      bytesOf(String(answer['PHYPayload'])),
    );
    const kek = bytesOf(this.identity.kek.key);
    const unwrapped = (field: string): string | undefined => {
      const envelope = answer[field] as { KEKLabel?: string; AESKey?: string } | undefined;
      if (envelope?.AESKey === undefined) return undefined;
      if (envelope.KEKLabel === undefined || envelope.KEKLabel === '') return envelope.AESKey.toUpperCase();
      if (envelope.KEKLabel !== this.identity.kek.label) return `unknown KEK label ${envelope.KEKLabel}`;
      return hexOf(keyUnwrap(kek, bytesOf(envelope.AESKey)));
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

/** POSTs one Backend Interfaces message and parses the JSON answer (the agent carries the client certificate). */
export function postBi(url: URL, body: unknown, agent: Agent): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch {
          reject(new Error(`HTTP ${res.statusCode ?? 0} without a JSON answer: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** An mTLS agent with keep-alive for a peer's Joinery-issued credentials. */
export function peerAgent(credentials: NetworkServerIdentity['credentials']): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: 16,
    cert: credentials.clientCertPem,
    key: credentials.clientKeyPem,
    ca: credentials.caCertPem,
  });
}
