// The CA an NS registers for its callback server reaches the gateway's sender: an NS whose callback server has a
// certificate from its own private CA (not Joinery's, not a public one) gets its JoinAns once it registered that CA,
// and not without it (issue 22 item 3). The private CA here is a second Joinery stack's.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { AppSKeyDelivery, Scope } from '@joinery/proto/claims/v1/claims_pb';
import {
  biClient,
  bytesOf as bytes,
  joinReqMessage,
  simulatedDevice,
} from '@joinery/testing/simulated-network';
import { startJoinStack, type JoinStack } from './join-stack.js';
import { claimDevices, importDevices } from './ns-client.js';

const joinEui = '70B3D57ED0003000';

let stack: JoinStack;
let privateCa: JoinStack;
let server: Server;
let callbackUrl: string;
const received: Record<string, unknown>[] = [];

before(async () => {
  stack = await startJoinStack({ JOINERY_BI_ASYNC_BUDGET: '1000', JOINERY_ALLOW_PRIVATE_ASYNC_URLS: 'true' });
  privateCa = await startJoinStack();
  const tls = await privateCa.claims.issueServerCertificate({ hostnames: ['127.0.0.1'] });
  server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(data) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  callbackUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/async`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await stack?.stop();
  await privateCa?.stop();
});

async function registerAndJoin(netId: string, asyncCaPem: string | undefined, transactionId: number) {
  const { account, apiKeyId } = await stack.claims.createAccount({
    principal: stack.admin,
    name: `o-${netId}`,
  });
  const owner = { accountId: account!.id, scope: Scope.OWNER, apiKeyId };
  const ns = await stack.claims.registerNetworkServer({
    principal: owner,
    name: `ns-${netId}`,
    netId: bytes(netId),
    appSKeyDelivery: AppSKeyDelivery.PLAINTEXT,
    asyncUrl: callbackUrl,
    ...(asyncCaPem === undefined ? {} : { asyncCaPem }),
  });
  assert.equal(ns.peer?.asyncCaPem, asyncCaPem ?? '');
  const device = simulatedDevice('1.0.4');
  await importDevices(stack.claims, stack.admin, joinEui, [device]);
  await claimDevices(stack.claims, owner, [device], ns.peer!.id);
  const body = joinReqMessage(device, { joinEui, devNonce: 1, senderId: netId, transactionId });
  const client = biClient(new URL(`https://127.0.0.1:${stack.biPort}/`), {
    credentials: { ...ns.credentials!, caCertPem: stack.caCertPem },
  });
  const { status } = await client.post(body).finally(() => client.close());
  assert.equal(status, 200);
}

async function answerFor(transactionId: number, limitMs: number) {
  for (const until = Date.now() + limitMs; Date.now() < until;) {
    const found = received.find((r) => r['TransactionID'] === transactionId);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

test('a callback server with a certificate from the CA the NS registered gets the JoinAns', async () => {
  await registerAndJoin('00000C', privateCa.caCertPem, 61);
  const ans = await answerFor(61, 3000);
  assert.equal(ans?.['MessageType'], 'JoinAns');
  assert.deepEqual(ans?.['Result'], { ResultCode: 'Success' });
});

test('without that CA registered the callback server is not trusted, and gets nothing', async () => {
  await registerAndJoin('00000D', undefined, 62);
  assert.equal(await answerFor(62, 2000), undefined);
  assert.ok(
    stack.logs
      .records()
      .some((r) => r['msg'] === 'asynchronous answer not accepted' && r['transaction_id'] === 62),
  );
});
