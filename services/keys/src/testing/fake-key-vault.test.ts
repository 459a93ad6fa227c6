import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesFromHex, idHex } from '../domain/hex.js';
import { createFakeKeyVault, joinRequestPhy } from './fake-key-vault.js';

// Spec digest §7.1 (ChirpStack, LoRaWAN 1.0.3) and §7.2 (TTS, LoRaWAN 1.1): the fake vault must reproduce them, or
// every domain test built on it proves nothing.
const cfList = bytesFromHex('184f84e85684b85e84886684586e8400');

test('fake vault reproduces the LoRaWAN 1.0.3 example exchange', async () => {
  const vault = createFakeKeyVault();
  const rootKey = bytesFromHex('2b7e151628aed2a6abf7158809cf4f3c');
  const devEui = bytesFromHex('00005eef10000a01');
  const joinEui = bytesFromHex('00005eef10000001');
  await vault.importRootKeys({ devEui, nwkKey: rootKey, overwrite: false });
  await vault.createKek('storage', { purpose: 'storage' });
  const phy = joinRequestPhy(rootKey, joinEui, devEui, 0x1f2e);
  assert.equal(idHex(phy), '0001000010EF5E0000010A0010EF5E00002E1F9DCD9386');
  assert.equal(await vault.verifyJoinRequestMic(devEui, '1.0.3', phy), true);
  const out = await vault.buildJoinAccept({
    devEui,
    joinEui,
    macVersion: '1.0.3',
    joinType: 'join',
    devNonce: 0x1f2e,
    joinNonce: 10,
    netId: bytesFromHex('00000a'),
    devAddr: bytesFromHex('14a1b2c3'),
    dlSettings: 0,
    rxDelay: 1,
    cfList,
    optNeg: false,
    nwkKeyDelivery: { plaintext: true },
    appSKeyDelivery: { plaintext: true },
    storageKekLabel: 'storage',
  });
  assert.equal(
    idHex(out.joinAcceptPhy),
    '20DB79D5F4B30FF75468EE429034EC7C5F213555F6180776CBAF46022A22E5F8FE',
  );
  assert.equal(idHex(out.nwkSKey!.key), '5B5202CB56B7040613F57B436D3AA98E');
  assert.equal(idHex(out.appSKey!.key), '77FB83628855DFB1DAFBD01FFC5C4AAC');
});

test('fake vault reproduces the LoRaWAN 1.1 example exchange with wrapped keys', async () => {
  const vault = createFakeKeyVault();
  const devEui = bytesFromHex('00005EEF10000B02');
  const joinEui = bytesFromHex('00005EEF10000001');
  await vault.importRootKeys({
    devEui,
    nwkKey: bytesFromHex('000102030405060708090a0b0c0d0e0f'),
    appKey: bytesFromHex('101112131415161718191a1b1c1d1e1f'),
    overwrite: false,
  });
  await vault.createKek('ns:000013', {
    purpose: 'peer',
    key: bytesFromHex('00112233445566778899aabbccddeeff'),
  });
  await vault.createKek('as:as1.example.net', {
    purpose: 'peer',
    key: bytesFromHex('ffeeddccbbaa99887766554433221100'),
  });
  await vault.createKek('storage', { purpose: 'storage' });
  assert.equal(
    await vault.verifyJoinRequestMic(
      devEui,
      '1.1',
      bytesFromHex('0001000010EF5E0000020B0010EF5E00000500377FEB89'),
    ),
    true,
  );
  const out = await vault.buildJoinAccept({
    devEui,
    joinEui,
    macVersion: '1.1',
    joinType: 'join',
    devNonce: 5,
    joinNonce: 3,
    netId: bytesFromHex('000013'),
    devAddr: bytesFromHex('260B1A2C'),
    dlSettings: 0x80,
    rxDelay: 1,
    cfList,
    optNeg: true,
    nwkKeyDelivery: { kekLabel: 'ns:000013' },
    appSKeyDelivery: { kekLabel: 'as:as1.example.net' },
    storageKekLabel: 'storage',
  });
  assert.equal(
    idHex(out.joinAcceptPhy),
    '202555E80A971059ACB29D900FC358C62E992B58E2E5FABBCBB0A4DC3E8A407673',
  );
  assert.equal(idHex(out.fNwkSIntKey!.key), '50E005112749032106F174DCC8C78FB533A8C36D5F6A49C9');
  assert.equal(idHex(out.nwkSEncKey!.key), '4571F1B93113454F7083FD640B9AD39113DD0F49AC707F9E');
  assert.equal(idHex(out.appSKey!.key), 'EFBD7223C8DD31AE29F34C8C380C36C29A107D1146F8F1EF');
  const rewrapped = await vault.rewrapStoredKey('storage', out.storedAppSKey, { plaintext: true });
  assert.equal(idHex(rewrapped.key), 'E201279ABAAE418472C5DB241D7ED0FC');
});
