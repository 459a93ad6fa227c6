// Joinery against the real clients' own code (issue 22, "Done when"): ChirpStack v3's Go client and crypto
// (github.com/brocaar/lorawan: backend client and types, KeyEnvelope unwrap, its reference backend/joinserver to
// compare every join-accept byte for byte) and ChirpStack v4's codec and crypto (lrwn from crates.io, with reqwest and
// aes-kw as ChirpStack's backend crate uses them). Each joins LoRaWAN 1.0.3, 1.0.4 and 1.1 devices, synchronously
// and asynchronously over HTTPS with the NS's mTLS credentials, rejoins the 1.1 device with type 0 then type 2, and
// checks every answer with the client's own crypto. Joinery runs in embedded mode, set up over its REST API.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { createApiClient, startEmbedded, type RunningEmbedded, loopbackEmbeddedEnv } from '@joinery/joinery';
import { captureLogs } from '@joinery/logging';
import { freePort, requireInfra } from '@joinery/testing/infra';
import { buildGoClient, buildRustClient, run, runPlan, type StepResult } from './clients.js';

const joinEui = '70B3D57ED0022000';
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

interface Device {
  readonly devEui: string;
  readonly macVersion: '1.0.3' | '1.0.4' | '1.1';
  readonly nwkKey: string;
  readonly appKey?: string;
  readonly claimCode: string;
  readonly devNonce: number;
}

function device(macVersion: Device['macVersion']): Device {
  return {
    devEui: hexOf(randomBytes(8)),
    macVersion,
    nwkKey: hexOf(randomBytes(16)),
    ...(macVersion === '1.1' ? { appKey: hexOf(randomBytes(16)) } : {}),
    claimCode: randomBytes(6).toString('hex'),
    // 1.0.0–1.0.3 devices pick DevNonces at random; 1.0.4 and 1.1 count from 0.
    devNonce: macVersion === '1.0.3' ? randomBytes(2).readUInt16BE(0) : 0,
  };
}

const devicesOf = () => [device('1.0.3'), device('1.0.4'), device('1.1')];

/** What every run must report: each step of each device passed the client's own checks. */
function allPassed(devices: readonly Device[]): string[] {
  return devices.flatMap((d) =>
    (d.macVersion === '1.1' ? ['join', 'rejoin0', 'rejoin2'] : ['join']).map(
      (s) => `${d.macVersion} ${s}: ok`,
    ),
  );
}
const reported = (results: readonly StepResult[]) =>
  results.map((r) => `${r.macVersion} ${r.step}: ${r.ok ? 'ok' : r.error}`);

interface RegisteredNs {
  readonly id: string;
  readonly netId: string;
  readonly kek: { readonly label: string; readonly key: string };
  readonly credentials: {
    readonly caCertPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
  };
}

/**
 * The harness's callback server for the ChirpStack v4 program's asynchronous NS: HTTPS with the NS's own CA,
 * requires a client certificate that chains to Joinery's CA and names the answer's SenderID as its CN; the answers
 * are handed to the program over a loopback side channel (`GET /answers/<TransactionID>`).
 */
class AnswerRelay {
  readonly #answers = new Map<number, string>();
  readonly #waiting = new Map<number, ((body: string) => void)[]>();
  #callback: Server | undefined;
  #side: HttpServer | undefined;

  async listen(tls: {
    cert: string;
    key: string;
    clientCa: string;
  }): Promise<{ asyncUrl: string; answersUrl: string }> {
    this.#callback = createServer(
      { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const parsed = JSON.parse(body) as { SenderID?: string; TransactionID?: number };
          const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
          if (cn !== parsed.SenderID) {
            res.writeHead(401).end();
            return;
          }
          res.writeHead(200).end();
          const id = Number(parsed.TransactionID);
          this.#answers.set(id, body);
          for (const w of this.#waiting.get(id) ?? []) w(body);
          this.#waiting.delete(id);
        });
      },
    );
    this.#side = createHttpServer((req, res) => {
      const id = Number(req.url?.split('/').pop());
      const send = (body: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      const done = this.#answers.get(id);
      if (done !== undefined) send(done);
      else this.#waiting.set(id, [...(this.#waiting.get(id) ?? []), send]);
    });
    await new Promise<void>((resolve) => this.#callback!.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => this.#side!.listen(0, '127.0.0.1', resolve));
    return {
      asyncUrl: `https://127.0.0.1:${(this.#callback.address() as AddressInfo).port}/`,
      answersUrl: `http://127.0.0.1:${(this.#side.address() as AddressInfo).port}/answers/`,
    };
  }

  async close() {
    for (const s of [this.#callback, this.#side]) {
      s?.closeAllConnections();
      await new Promise<void>((resolve) => (s === undefined ? resolve() : s.close(() => resolve())));
    }
  }
}

describe('interop with the real ChirpStack clients', () => {
  const logs = captureLogs({ level: 'info' });
  const dir = mkdtempSync(join(tmpdir(), 'joinery-interop-'));
  const relay = new AnswerRelay();
  const devices = {
    v3sync: devicesOf(),
    v3async: devicesOf(),
    v4sync: devicesOf(),
    v4async: devicesOf(),
  };
  let running: RunningEmbedded;
  let goBinary: string;
  let rustBinary: string;
  const ns: Partial<Record<keyof typeof devices, RegisteredNs>> = {};
  let goCallbackPort = 0;
  let answersUrl = '';

  before(async () => {
    const [go, rust] = await Promise.all([buildGoClient(), buildRustClient()]);
    goBinary = go;
    rustBinary = rust;
    // The NSs' own callback server certificate, from a CA that is not Joinery's (as a real NS's would be).
    const gen = await run(goBinary, ['gen-cert', dir]);
    assert.equal(gen.code, 0, gen.stderr);
    const nsCa = readFileSync(join(dir, 'ca.pem'), 'utf8');
    running = await startEmbedded(
      loopbackEmbeddedEnv(join(dir, 'data'), {
        // The NSs' callback servers listen on loopback: a lab set-up.
        JOINERY_ALLOW_PRIVATE_ASYNC_URLS: 'true',
      }),
      logs.logger,
    );
    writeFileSync(join(dir, 'joinery-ca.pem'), running.caCertPem);
    const api = `http://127.0.0.1:${running.apiPort}`;
    const admin = createApiClient(api, running.adminToken);
    const account = await admin.request<{ id: string; apiKey: string }>('POST', '/api/v1/accounts', {
      name: 'interop-owner',
    });
    const owner = createApiClient(api, account.apiKey);
    const all = Object.values(devices).flat();
    await admin.request('POST', '/api/v1/device-batches', {
      joinEui,
      devices: all.map((d) => ({
        devEui: d.devEui,
        macVersion: d.macVersion,
        nwkKey: d.nwkKey,
        ...(d.appKey === undefined ? {} : { appKey: d.appKey }),
        claimCode: d.claimCode,
      })),
    });
    goCallbackPort = await freePort();
    const relayUrls = await relay.listen({
      cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
      key: readFileSync(join(dir, 'server-key.pem'), 'utf8'),
      clientCa: running.caCertPem,
    });
    answersUrl = relayUrls.answersUrl;
    const asyncUrls: Record<keyof typeof devices, string | undefined> = {
      v3sync: undefined,
      v3async: `https://127.0.0.1:${goCallbackPort}/`,
      v4sync: undefined,
      v4async: relayUrls.asyncUrl,
    };
    let netId = 0x22;
    for (const key of Object.keys(devices) as (keyof typeof devices)[]) {
      const asyncUrl = asyncUrls[key];
      const registered = await owner.request<RegisteredNs>('POST', '/api/v1/network-servers', {
        name: `chirpstack-${key}`,
        netId: (netId++).toString(16).toUpperCase().padStart(6, '0'),
        product: 'chirpstack',
        appSKeyDelivery: 'plaintext',
        ...(asyncUrl === undefined ? {} : { asyncUrl, asyncCaPem: nsCa }),
      });
      ns[key] = registered;
      for (const d of devices[key])
        await owner.request('POST', '/api/v1/claims', {
          devEui: d.devEui,
          claimCode: d.claimCode,
          networkServerId: registered.id,
        });
    }
  });

  after(async () => {
    await running?.stop();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The plan a program runs: the NS's bundle files exactly as the REST answer gave them. */
  function plan(key: keyof typeof devices, extra: Record<string, unknown> = {}): string {
    const registered = ns[key]!;
    const files = {
      caCert: join(dir, `${key}-ca.pem`),
      tlsCert: join(dir, `${key}-cert.pem`),
      tlsKey: join(dir, `${key}-key.pem`),
    };
    writeFileSync(files.caCert, registered.credentials.caCertPem);
    writeFileSync(files.tlsCert, registered.credentials.clientCertPem);
    writeFileSync(files.tlsKey, registered.credentials.clientKeyPem, { mode: 0o600 });
    const planFile = join(dir, `${key}-plan.json`);
    writeFileSync(
      planFile,
      JSON.stringify({
        server: `https://127.0.0.1:${running.biPort}/`,
        ...files,
        senderId: registered.netId,
        receiverId: joinEui,
        kek: registered.kek,
        devices: devices[key],
        ...extra,
      }),
    );
    return planFile;
  }

  test('ChirpStack v3 client (brocaar/lorawan), synchronous: joins, rejoins 0 then 2, accepts equal the reference JS', async () => {
    const results = await runPlan(goBinary, plan('v3sync'));
    assert.deepEqual(reported(results), allPassed(devices.v3sync));
  });

  test('ChirpStack v3 client (brocaar/lorawan), asynchronous over HTTPS: answers reach its callback server', async () => {
    const { REDIS_URL } = requireInfra('REDIS_URL');
    const results = await runPlan(
      goBinary,
      plan('v3async', {
        async: {
          redisUrl: REDIS_URL,
          listen: `127.0.0.1:${goCallbackPort}`,
          certFile: join(dir, 'server.pem'),
          keyFile: join(dir, 'server-key.pem'),
          clientCaFile: join(dir, 'joinery-ca.pem'),
          timeoutMs: 5000,
        },
      }),
    );
    assert.deepEqual(reported(results), allPassed(devices.v3async));
  });

  test('ChirpStack v4 codec (lrwn), synchronous: joins, rejoins 0 then 2, accepts equal lrwn-built ones', async () => {
    const results = await runPlan(rustBinary, plan('v4sync'));
    assert.deepEqual(reported(results), allPassed(devices.v4sync));
  });

  test('ChirpStack v4 codec (lrwn), asynchronous over HTTPS: answers reach the NS callback server', async () => {
    const results = await runPlan(rustBinary, plan('v4async', { async: { answersUrl, timeoutMs: 5000 } }));
    assert.deepEqual(reported(results), allPassed(devices.v4async));
  });
});
