import { fromBinary } from '@bufbuild/protobuf';
import { loadConfig } from '@joinery/config';
import { createGrpcClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { JoinEventSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { requireInfra } from '@joinery/testing/infra';
import { Kafka, logLevel } from 'kafkajs';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keysConfigSchema } from './config.js';
import { idHex } from './domain/hex.js';
import { joinsTopic } from './domain/join-event.js';
import { startKeysService } from './service.js';
import { createFakeKeyVault } from './testing/fake-key-vault.js';
import { handleJoinRequest } from './testing/keys-grpc-fixtures.js';

test(
  'keys process wiring: Redis state, gRPC, and the ACCEPTED JoinEvent relayed to Kafka',
  { timeout: 90_000 },
  async () => {
    const { REDIS_URL, KAFKA_BROKERS } = requireInfra('REDIS_URL', 'KAFKA_BROKERS');
    const dataDir = mkdtempSync(join(tmpdir(), 'joinery-keys-service-'));
    const config = loadConfig(keysConfigSchema, {
      JOINERY_DATA_DIR: dataDir,
      JOINERY_REDIS_URL: REDIS_URL,
      JOINERY_KAFKA_BROKERS: KAFKA_BROKERS,
      JOINERY_KEYS_GRPC_ADDRESS: '127.0.0.1:0',
    });
    const kafka = new Kafka({
      clientId: 'keys-test',
      brokers: KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: joinsTopic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const vault = createFakeKeyVault();
    const running = await startKeysService({ config, logger: captureLogs().logger, vault });
    const client = createGrpcClient(KeysService, `127.0.0.1:${running.port}`);
    const consumer = kafka.consumer({ groupId: `keys-test-${randomUUID()}` });
    try {
      const rootKey = new Uint8Array(randomBytes(16));
      const devEui = new Uint8Array(randomBytes(8));
      await vault.createKek('ns:000013', { purpose: 'peer' });
      await vault.createKek('as:as1', { purpose: 'peer' });
      await vault.importRootKeys({ devEui, nwkKey: rootKey, overwrite: false });
      const answer = await client.handleJoin(handleJoinRequest(rootKey, devEui, 1));
      await consumer.connect();
      await consumer.subscribe({ topic: joinsTopic, fromBeginning: true });
      const event = await new Promise<ReturnType<typeof fromBinary<typeof JoinEventSchema>>>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() !== idHex(devEui) || message.value === null) return;
            resolve(fromBinary(JoinEventSchema, message.value));
          },
        });
      });
      assert.equal(event.eventId, answer.eventId);
      assert.equal(event.outcome, JoinOutcome.ACCEPTED);
      assert.equal(event.joinNonce, 1);
    } finally {
      await consumer.disconnect();
      client.close();
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
