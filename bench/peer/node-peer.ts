// The peer's design in Node: what bench/peer (ChirpStack v3's Join Server) does per JoinReq, written with Joinery's
// own codec and crypto on Node's HTTPS server, as its own process. It is not a Join Server: no claims, no DevNonce
// check, no durable commit before the answer, no event, the JoinNonce read and written back without a transaction,
// as the peer does. It is the floor any Node implementation of the join path stands on, measured beside the peer in
// the same run, so the peer ratios of issue 23 can be read against what the runtime itself costs.
//
// Per JoinReq, as the peer: HMGET nwk_key app_key join_nonce, HSET join_nonce + 1, the MIC check, the join-accept,
// NwkSKey wrapped under the NS's KEK (label = its NetID), AppSKey under the AS KEK. mTLS with a CA of its own.
// Usage: node --import tsx bench/peer/node-peer.ts [-listen 127.0.0.1:0] -redis URL -certs DIR -ns-kek LABEL=HEX -as-kek LABEL=HEX
// It writes ca.pem, client.pem and client-key.pem to DIR and prints `listening on PORT`.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as x509 from '@peculiar/x509';
import { Redis } from 'ioredis';
import { answerFor, parseRequest, type JoinReq } from '@joinery/backend-interfaces';
import {
  AES128Key,
  DevAddr,
  JoinNonce,
  NetID,
  buildJoinAccept,
  decodeJoinRequest,
  keyWrap,
  verifyJoinRequestMic,
} from '@joinery/lorawan';
import { day, issueTestCertificate, testCa } from '../../services/bi-gateway/src/testing/test-pki.js';

// The Go peer's flags (`-redis URL`), so one launcher starts either.
const { values } = parseArgs({
  args: process.argv.slice(2).map((a) => (/^-[a-z]/.test(a) ? `-${a}` : a)),
  options: {
    listen: { type: 'string' },
    redis: { type: 'string' },
    certs: { type: 'string' },
    'ns-kek': { type: 'string' },
    'as-kek': { type: 'string' },
  },
});
const kek = (flag: string | undefined) => {
  const [label, hex] = (flag ?? '').split('=');
  if (!label || !hex) throw new Error('KEKs are LABEL=HEX');
  return { label, key: AES128Key.parse(hex) };
};
if (values.redis === undefined || values.certs === undefined)
  throw new Error('-redis and -certs are required');
const nsKek = kek(values['ns-kek']);
const asKek = kek(values['as-kek']);
const redis = new Redis(values.redis, { lazyConnect: false, enableAutoPipelining: true });

const now = Date.now();
const validity = { from: now - day, to: now + day };
const ca = await testCa('node peer CA');
const server = await issueTestCertificate(ca, 'CN=127.0.0.1', validity, [
  new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
]);
const client = await issueTestCertificate(ca, 'CN=loadgen', validity, [
  new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
]);
writeFileSync(join(values.certs, 'ca.pem'), ca.pem, { mode: 0o600 });
writeFileSync(join(values.certs, 'client.pem'), client.certPem, { mode: 0o600 });
writeFileSync(join(values.certs, 'client-key.pem'), client.keyPem, { mode: 0o600 });

async function answer(req: JoinReq) {
  const request = decodeJoinRequest(req.phyPayload);
  const key = `peer:device-keys:${request.devEui.toString().toLowerCase()}`;
  const [nwkKeyHex, , joinNonceText] = await redis.hmget(key, 'nwk_key', 'app_key', 'join_nonce');
  if (nwkKeyHex == null || joinNonceText == null) return answerFor(req, 'unknown_device');
  const joinNonce = Number(joinNonceText) + 1;
  if (joinNonce > 0xffffff) return answerFor(req, 'join_nonce_exhausted');
  await redis.hset(key, 'join_nonce', joinNonce);
  const root = AES128Key.parse(nwkKeyHex);
  if (!verifyJoinRequestMic(root, req.phyPayload)) return answerFor(req, 'mic_failed');
  const { phyPayload, sessionKeys } = buildJoinAccept(
    { macVersion: req.macVersion, nwkKey: root, ...request },
    {
      joinNonce: JoinNonce.of(joinNonce),
      netId: NetID.parse(req.senderId),
      devAddr: DevAddr.parse(req.devAddr),
      dlSettings: req.dlSettings,
      rxDelay: req.rxDelay,
      ...(req.cfList === undefined ? {} : { cfList: req.cfList }),
    },
  );
  if (sessionKeys.optNeg) return answerFor(req, 'unsupported_mac_version');
  return answerFor(req, 'success', {
    phyPayload,
    nwkSKey: { kekLabel: nsKek.label, key: keyWrap(nsKek.key, sessionKeys.nwkSKey) },
    appSKey: { kekLabel: asKek.label, key: keyWrap(asKek.key, sessionKeys.appSKey) },
  });
}

const https = createServer(
  { key: server.keyPem, cert: server.certPem, ca: ca.pem, requestCert: true, rejectUnauthorized: true },
  (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      let parsed;
      try {
        parsed = parseRequest(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        response.writeHead(400).end();
        return;
      }
      const send = (body: unknown) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!parsed.ok) {
        if (parsed.answerable) send(answerFor(parsed.target, parsed.reason));
        else response.writeHead(400).end();
        return;
      }
      const message = parsed.message;
      if (message.messageType !== 'JoinReq') {
        response.writeHead(400).end();
        return;
      }
      answer(message).then(send, () => response.writeHead(500).end());
    });
  },
);
https.keepAliveTimeout = 60_000;
const [host = '127.0.0.1', port = '0'] = (values.listen ?? '127.0.0.1:0').split(':');
https.listen(Number(port), host, () => {
  const address = https.address();
  console.log(`listening on ${typeof address === 'object' && address !== null ? address.port : 0}`);
});
const stop = () => {
  https.close();
  https.closeAllConnections();
  void redis.quit().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
