// The crypto-only cost of one LoRaWAN 1.0.x join, as bench/lorawan/crypto.bench.ts measures its "join 1.0.3, warm
// keys" case: join-request MIC check, join-accept (MIC, encryption), NwkSKey and AppSKey derivation, and 2 RFC 3394
// wraps (NwkSKey under the NS KEK, AppSKey under the AS KEK), with cached key objects. It is the floor the ratio bench
// (bench/ratios) divides the CPU per join of a whole server by, measured in the same run.
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
  type JoinCryptoContext,
} from '@joinery/lorawan';

const root = AES128Key.parse('2b7e151628aed2a6abf7158809cf4f3c');
const nsKek = AES128Key.parse('101112131415161718191a1b1c1d1e1f');
const asKek = AES128Key.parse('202122232425262728292a2b2c2d2e2f');
const joinEui = EUI64.parse('70B3D57ED0000001');
const devEui = EUI64.parse('0004A30B001C0530');
const devNonce = DevNonce.of(0x1234);
const request = { joinEui, devEui, devNonce };
const joinRequestPhy = encodeJoinRequest(request, joinRequestMic(root, request));
const fields = {
  joinNonce: JoinNonce.of(0x000102),
  netId: NetID.parse('000013'),
  devAddr: DevAddr.parse('26011F2A'),
  dlSettings: 0x03,
  rxDelay: 1,
};

/** One 1.0.x join's crypto, warm keys. */
export function join10Crypto(): void {
  if (!verifyJoinRequestMic(root, joinRequestPhy)) throw new Error('MIC');
  const ctx: JoinCryptoContext = { macVersion: '1.0.3', nwkKey: root, devEui, joinEui, devNonce };
  const { sessionKeys } = buildJoinAccept(ctx, fields);
  if (sessionKeys.optNeg) throw new Error('scheme');
  keyWrap(nsKek, sessionKeys.nwkSKey);
  keyWrap(asKek, sessionKeys.appSKey);
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
