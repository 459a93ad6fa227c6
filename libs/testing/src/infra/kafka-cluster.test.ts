import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterBrokerSettings } from './kafka-cluster.js';

const voters = [
  { nodeId: 1, controller: '127.0.0.1:20001' },
  { nodeId: 2, controller: '127.0.0.1:20002' },
  { nodeId: 3, controller: '127.0.0.1:20003' },
];

test('each node of the KRaft cluster is broker and controller in a quorum of all, replicating 3 with 2 in sync', () => {
  const s = clusterBrokerSettings({
    nodeId: 2,
    listener: '127.0.0.1:21002',
    voters,
    logDir: '/tmp/x',
    replicationFactor: 3,
    minInsyncReplicas: 2,
  });
  assert.equal(s['node.id'], '2');
  assert.equal(s['process.roles'], 'broker,controller');
  assert.equal(s['controller.quorum.voters'], '1@127.0.0.1:20001,2@127.0.0.1:20002,3@127.0.0.1:20003');
  assert.equal(s['listeners'], 'PLAINTEXT://127.0.0.1:21002,CONTROLLER://127.0.0.1:20002');
  assert.equal(s['advertised.listeners'], 'PLAINTEXT://127.0.0.1:21002');
  assert.equal(s['default.replication.factor'], '3');
  assert.equal(s['min.insync.replicas'], '2');
  assert.equal(s['offsets.topic.replication.factor'], '3');
  assert.equal(s['transaction.state.log.replication.factor'], '3');
  assert.equal(s['transaction.state.log.min.isr'], '2');
  assert.equal(s['unclean.leader.election.enable'], 'false');
});

test('a node that is not among the voters is refused', () => {
  assert.throws(() =>
    clusterBrokerSettings({
      nodeId: 4,
      listener: '127.0.0.1:21004',
      voters,
      logDir: '/tmp/x',
      replicationFactor: 3,
      minInsyncReplicas: 2,
    }),
  );
});
