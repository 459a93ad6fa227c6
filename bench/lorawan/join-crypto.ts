// The crypto of one Join Server join in pure software (libs/lorawan on node:crypto), for LoRaWAN 1.0.3 and 1.1, over
// one fixed device and request. bench/lorawan/crypto.bench.ts measures both with warm and cold keys; the 1.0.x join
// with warm keys (join-request MIC check, join-accept MIC and encryption, NwkSKey and AppSKey derivation, and 2
// RFC 3394 wraps: NwkSKey under the NS KEK, AppSKey under the AS KEK) is the floor the ratio bench (bench/ratios)
// divides the CPU per join of a whole server by, measured in the same run (measureJoinCrypto).
import {
  AES128Key,
  DevAddr,
  DevNonce,
  EUI64,
  JoinNonce,
  NetID,
  buildJoinAccept,
  encodeJoinRequest,
  joinRequestMic,
  keyWrap,
  verifyJoinRequestMic,
  type JoinAcceptFields,
  type JoinCryptoContext,
} from '@joinery/lorawan';

export const rootHex = '2b7e151628aed2a6abf7158809cf4f3c';
const appKeyHex = '000102030405060708090a0b0c0d0e0f';
const nsKekHex = '101112131415161718191a1b1c1d1e1f';
const asKekHex = '202122232425262728292a2b2c2d2e2f';
const joinEui = EUI64.parse('70B3D57ED0000001');
const devEui = EUI64.parse('0004A30B001C0530');
const devNonce = DevNonce.of(0x1234);
const fields: JoinAcceptFields = {
  joinNonce: JoinNonce.of(0x000102),
  netId: NetID.parse('000013'),
  devAddr: DevAddr.parse('26011F2A'),
  dlSettings: 0x03,
  rxDelay: 1,
};
const request = { joinEui, devEui, devNonce };
/** The device's join-request, its MIC under the root key. */
export const joinRequestPhy = encodeJoinRequest(request, joinRequestMic(AES128Key.parse(rootHex), request));

/** The keys of a join: the device's root keys (NwkKey, and AppKey for 1.1) and the NS and AS KEKs. */
export interface JoinKeys {
  readonly root: AES128Key;
  readonly appKey: AES128Key;
  readonly nsKek: AES128Key;
  readonly asKek: AES128Key;
}

/** Fresh key objects: each pays for its cipher set-up on first use, as a vault's per request do. */
export const coldKeys = (): JoinKeys => ({
  root: AES128Key.parse(rootHex),
  appKey: AES128Key.parse(appKeyHex),
  nsKek: AES128Key.parse(nsKekHex),
  asKek: AES128Key.parse(asKekHex),
});
/** The same key objects every join: their AES key schedules and CMAC subkeys are cached beside them. */
export const warmKeys: JoinKeys = coldKeys();

/** 1.0.3: join-request MIC check, join-accept (MIC + encrypt + NwkSKey/AppSKey derivation), 2 key wraps. */
export function join103(keys: JoinKeys): void {
  if (!verifyJoinRequestMic(keys.root, joinRequestPhy)) throw new Error('MIC');
  const ctx: JoinCryptoContext = { macVersion: '1.0.3', nwkKey: keys.root, devEui, joinEui, devNonce };
  const { sessionKeys } = buildJoinAccept(ctx, fields);
  if (sessionKeys.optNeg) throw new Error('scheme');
  keyWrap(keys.nsKek, sessionKeys.nwkSKey);
  keyWrap(keys.asKek, sessionKeys.appSKey);
}

/** 1.1: MIC check, JS keys (2), session keys (4), 1.1 join-accept MIC + encrypt, 4 key wraps (3 network keys + AppSKey). */
export function join11(keys: JoinKeys): void {
  if (!verifyJoinRequestMic(keys.root, joinRequestPhy)) throw new Error('MIC');
  const ctx: JoinCryptoContext = {
    macVersion: '1.1',
    nwkKey: keys.root,
    appKey: keys.appKey,
    devEui,
    joinEui,
    devNonce,
  };
  const { sessionKeys } = buildJoinAccept(ctx, fields);
  if (!sessionKeys.optNeg) throw new Error('scheme');
  keyWrap(keys.nsKek, sessionKeys.fNwkSIntKey);
  keyWrap(keys.nsKek, sessionKeys.sNwkSIntKey);
  keyWrap(keys.nsKek, sessionKeys.nwkSEncKey);
  keyWrap(keys.asKek, sessionKeys.appSKey);
}

/** One 1.0.x join's crypto, warm keys. */
export function join10Crypto(): void {
  join103(warmKeys);
}

/**
 * CPU µs per join (user + system time of this process, the unit /proc gives for a server): the median and the best of
 * `rounds` rounds of `ops` joins, after a warm-up. CPU time, not wall time, so that time the process spends preempted
 * on a shared machine does not count, as it does not count in a server's /proc figures.
 */
export function measureJoinCrypto(rounds = 11, ops = 3000): { medianUs: number; bestUs: number } {
  for (let i = 0; i < ops; i++) join10Crypto();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ops; i++) join10Crypto();
    const used = process.cpuUsage(start);
    perOp.push((used.user + used.system) / ops);
  }
  perOp.sort((a, b) => a - b);
  return { medianUs: perOp[Math.floor(rounds / 2)]!, bestUs: perOp[0]! };
}
