// One contract for every KeyVault adapter (software vault, PKCS#11 on SoftHSM2): the shared LoRaWAN vectors, and
// the port's behaviour. `vaults.contract.int.test.ts` runs it for every vault of `vaults.ts`, with each adapter's
// fixtures: factories returning a fresh, empty vault (for an HSM: a fresh label namespace on the token) that already
// holds the storage KEK `storage`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test as nodeTest } from 'node:test';
import { DevNonce, JoinNonce, keyUnwrap, keyWrap } from '@joinery/lorawan';
import lpImport from 'lora-packet';
import type { JoinAcceptInput, KeyVault } from './key-vault.js';
import { joinAcceptInput, testJoinEui as joinEui } from '../testing/join-accept-input.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
type VectorEntry = Record<string, string>;
const vectors = (file: string) =>
  JSON.parse(
    readFileSync(new URL(import.meta.resolve(`@joinery/lorawan/vectors/${file}`)), 'utf8'),
  ) as VectorEntry[];

// lora-packet is CommonJS with `exports.default`; depending on the loader's interop the default import is the module
// object or already its `default`.
const lp = ('default' in lpImport ? lpImport.default : lpImport) as typeof lpImport.default;
const randomDevEui = () => new Uint8Array(randomBytes(8));

/** The verified vectors of `file` that `applies` holds for. */
const verifiedVectors = (file: string, applies: (v: VectorEntry) => boolean = () => true) =>
  vectors(file).filter((v) => (v['verified'] as unknown) === true && applies(v));

/** The join-accept fields of a join-accept vector, as the vault's input takes them. */
const acceptFieldsOf = (v: VectorEntry) => ({
  joinNonce: Number(v['joinNonceInt']),
  netId: hex(v['netIdBE']!),
  devAddr: hex(v['devAddrBE']!),
  dlSettings: parseInt(v['dlSettings']!, 16),
  rxDelay: parseInt(v['rxDelay']!, 16),
  ...(v['cfList'] === '' ? {} : { cfList: hex(v['cfList']!) }),
});

/** A LoRaWAN 1.1 join answered with OptNeg = 1, of the vector's JoinEUI, DevNonce and JoinNonce. */
const join11Of = (v: VectorEntry) => ({
  joinEui: hex(v['joinEuiBE']!),
  macVersion: '1.1' as const,
  optNeg: true,
  devNonce: Number(v['devNonceInt']),
  joinNonce: Number(v['joinNonceInt']),
});

/** Per run of the contract (by `name`): how many of its tests were registered, and how many of them passed. */
export const keyVaultContractRuns = new Map<string, { registered: number; passed: number }>();

export function keyVaultContract(name: string, open: () => Promise<KeyVault>): void {
  const run = { registered: 0, passed: 0 };
  keyVaultContractRuns.set(name, run);
  const test = (title: string, fn: () => Promise<void>) => {
    run.registered += 1;
    nodeTest(title, async () => {
      await fn();
      run.passed += 1;
    });
  };
  /** A fresh vault holding `rootKeys` for the device of `request` builds its join-accept. */
  const acceptOnFreshVault = async (
    rootKeys: { nwkKey: Uint8Array; appKey?: Uint8Array },
    request: Partial<JoinAcceptInput> & { devEui: Uint8Array },
  ) => {
    const vlt = await open();
    await vlt.importRootKeys({ devEui: request.devEui, ...rootKeys, overwrite: false });
    return vlt.buildJoinAccept(joinAcceptInput(request));
  };

  describe(`KeyVault contract: ${name}: the shared vectors`, () => {
    test('1.0.x join-accepts equal the vectors (OptNeg = 0 entries)', async () => {
      const checked = verifiedVectors(
        'join-accept-1.0.json',
        (v) => (parseInt(v['dlSettings'] ?? '0', 16) & 0x80) === 0,
      );
      for (const v of checked) {
        const out = await acceptOnFreshVault(
          { nwkKey: hex(v['key']!) },
          { devEui: randomDevEui(), ...acceptFieldsOf(v) },
        );
        assert.equal(toHex(out.joinAcceptPhy), v['phyPayload'], v['id']);
      }
      assert.ok(checked.length >= 5, `only ${checked.length} vectors checked`);
    });

    test('1.0 session keys equal the vectors', async () => {
      const checked = verifiedVectors('session-keys-1.0.json');
      for (const v of checked) {
        const out = await acceptOnFreshVault(
          { nwkKey: hex(v['key']!) },
          {
            devEui: randomDevEui(),
            joinNonce: Number(v['joinNonceInt']),
            netId: hex(v['netIdBE']!),
            devNonce: Number(v['devNonceInt']),
          },
        );
        assert.equal(toHex(out.nwkSKey!.key), v['nwkSKey'], v['id']);
        assert.equal(toHex(out.appSKey!.key), v['appSKey'], v['id']);
      }
      assert.ok(checked.length >= 3);
    });

    test('1.1 join-accepts (OptNeg = 1, join and rejoin types 0/1/2) equal the vectors', async () => {
      const joinTypes = { ff: 'join', '00': 'rejoin0', '01': 'rejoin1', '02': 'rejoin2' } as const;
      const checked = verifiedVectors(
        'join-accept-1.1.json',
        (v) => v['nwkKey'] !== undefined && (parseInt(v['dlSettings'] ?? '0', 16) & 0x80) !== 0,
      );
      for (const v of checked) {
        const out = await acceptOnFreshVault(
          { nwkKey: hex(v['nwkKey']!), appKey: new Uint8Array(randomBytes(16)) },
          {
            devEui: hex(v['devEuiBE']!),
            ...join11Of(v),
            joinType: joinTypes[v['joinReqType'] as keyof typeof joinTypes],
            ...acceptFieldsOf(v),
          },
        );
        assert.equal(toHex(out.joinAcceptPhy), v['phyPayload'], v['id']);
        assert.equal(out.nwkSKey, undefined, v['id']);
      }
      assert.ok(checked.length >= 12, `only ${checked.length} vectors checked`);
    });

    test('1.1 session keys of joins equal the vectors', async () => {
      const checked = verifiedVectors(
        'session-keys-1.1.json',
        (v) => v['kind'] === 'join' && v['devEuiBE'] !== undefined,
      );
      for (const v of checked) {
        const out = await acceptOnFreshVault(
          { nwkKey: hex(v['nwkKey']!), appKey: hex(v['appKey']!) },
          { devEui: hex(v['devEuiBE']!), ...join11Of(v), dlSettings: 0x80 },
        );
        for (const key of ['fNwkSIntKey', 'sNwkSIntKey', 'nwkSEncKey', 'appSKey'] as const)
          assert.equal(toHex(out[key]!.key), v[key], `${v['id']} ${key}`);
      }
      assert.ok(checked.length >= 4, `only ${checked.length} vectors checked`);
    });
  });

  describe(`KeyVault contract: ${name}: lora-packet as a second oracle on random keys`, () => {
    test('1.0.x and 1.1 joins: lora-packet opens the join-accept, accepts its MIC and derives the same session keys', async () => {
      const vlt = await open();
      for (let i = 0; i < 12; i++) {
        const is11 = i % 2 === 1;
        const devEui = new Uint8Array(randomBytes(8));
        const nwkKey = new Uint8Array(randomBytes(16));
        const appKey = new Uint8Array(randomBytes(16));
        await vlt.importRootKeys({ devEui, nwkKey, ...(is11 ? { appKey } : {}), overwrite: false });
        const joinNonce = 1 + i;
        const devNonce = (randomBytes(2).readUInt16BE(0) + i) & 0xffff;
        const out = await vlt.buildJoinAccept(
          joinAcceptInput({
            devEui,
            macVersion: is11 ? '1.1' : '1.0.3',
            optNeg: is11,
            joinNonce,
            devNonce,
            netId: hex('00000A'),
          }),
        );
        const packet = lp.fromWire(
          lp.decryptJoinAccept(lp.fromWire(Buffer.from(out.joinAcceptPhy)), Buffer.from(nwkKey)),
        );
        assert.equal(toHex(packet.DevAddr!), '26011234');
        assert.equal(packet.getDLSettingsOptNeg(), is11);
        const be = (wire: Uint8Array) => Buffer.from(wire).reverse();
        const joinNonceBe = be(JoinNonce.of(joinNonce).toWire());
        const devNonceBe = be(DevNonce.of(devNonce).toWire());
        if (!is11) {
          assert.equal(lp.verifyMIC(packet, undefined, Buffer.from(nwkKey)), true);
          const ref = lp.generateSessionKeys10(
            Buffer.from(nwkKey),
            Buffer.from('00000A', 'hex'),
            joinNonceBe,
            devNonceBe,
          );
          assert.equal(toHex(out.nwkSKey!.key), ref.NwkSKey.toString('hex'));
          assert.equal(toHex(out.appSKey!.key), ref.AppSKey.toString('hex'));
        } else {
          packet.JoinReqType = Buffer.of(0xff);
          packet.JoinEUI = Buffer.from(joinEui);
          packet.DevNonce = devNonceBe;
          const js = lp.generateJSKeys(Buffer.from(nwkKey), Buffer.from(devEui));
          assert.equal(lp.verifyMIC(packet, js.JSIntKey), true);
          const ref = lp.generateSessionKeys11(
            Buffer.from(appKey),
            Buffer.from(nwkKey),
            Buffer.from(joinEui),
            joinNonceBe,
            devNonceBe,
          );
          assert.equal(toHex(out.fNwkSIntKey!.key), ref.FNwkSIntKey.toString('hex'));
          assert.equal(toHex(out.sNwkSIntKey!.key), ref.SNwkSIntKey.toString('hex'));
          assert.equal(toHex(out.nwkSEncKey!.key), ref.NwkSEncKey.toString('hex'));
          assert.equal(toHex(out.appSKey!.key), ref.AppSKey.toString('hex'));
        }
      }
    });
  });

  describe(`KeyVault contract: ${name}: behaviour`, () => {
    test('a fresh vault passes its health check, twice', async () => {
      const vlt = await open();
      await vlt.health();
      await vlt.health();
    });

    test('keys leave wrapped under the named KEK and unwrap to the plaintext-delivered value', async () => {
      const vlt = await open();
      const devEui = new Uint8Array(randomBytes(8));
      const inp = (o: Partial<JoinAcceptInput> = {}) => joinAcceptInput({ devEui, ...o });
      const nsKek = await vlt.createKek('ns-1', { purpose: 'peer', bits: 256 });
      assert.equal(nsKek.length, 32);
      await vlt.importRootKeys({ devEui, nwkKey: new Uint8Array(randomBytes(16)), overwrite: false });
      const plain = await vlt.buildJoinAccept(inp());
      const wrapped = await vlt.buildJoinAccept(
        inp({ nwkKeyDelivery: { kekLabel: 'ns-1' }, appSKeyDelivery: { kekLabel: 'ns-1' } }),
      );
      assert.equal(wrapped.nwkSKey?.kekLabel, 'ns-1');
      assert.equal(wrapped.nwkSKey?.key.length, 24);
      assert.equal(toHex(keyUnwrap(nsKek, wrapped.nwkSKey!.key)), toHex(plain.nwkSKey!.key));
      const again = await vlt.rewrapStoredKey('storage', wrapped.storedAppSKey, { kekLabel: 'ns-1' });
      assert.equal(toHex(keyUnwrap(nsKek, again.key)), toHex(plain.appSKey!.key));
    });

    test('import refuses to overwrite unless asked; unknown device and KEK are typed errors', async () => {
      const vlt = await open();
      const devEui = new Uint8Array(randomBytes(8));
      const inp = (o: Partial<JoinAcceptInput> = {}) => joinAcceptInput({ devEui, ...o });
      await vlt.importRootKeys({ devEui, nwkKey: new Uint8Array(16), overwrite: false });
      await assert.rejects(vlt.importRootKeys({ devEui, nwkKey: new Uint8Array(16), overwrite: false }), {
        code: 'keys:root_keys_exist',
      });
      await vlt.importRootKeys({ devEui, nwkKey: new Uint8Array(16).fill(1), overwrite: true });
      await assert.rejects(vlt.buildJoinAccept(inp({ devEui: hex('0000000000000001') })), {
        code: 'keys:unknown_device',
      });
      await assert.rejects(vlt.buildJoinAccept(inp({ nwkKeyDelivery: { kekLabel: 'nope' } })), {
        code: 'keys:unknown_kek',
      });
      await assert.rejects(vlt.createKek('storage', { purpose: 'storage' }), { code: 'keys:kek_exists' });
      await vlt.deleteRootKeys(devEui);
      assert.equal(await vlt.hasRootKeys(devEui), false);
    });

    test('root keys wrapped under a transport KEK are unwrapped inside the vault', async () => {
      const vlt = await open();
      const devEui = new Uint8Array(randomBytes(8));
      const inp = (o: Partial<JoinAcceptInput> = {}) => joinAcceptInput({ devEui, ...o });
      const transport = new Uint8Array(randomBytes(16));
      await vlt.createKek('factory-1', { purpose: 'transport', key: transport });
      const nwkKey = new Uint8Array(randomBytes(16));
      await vlt.importWrappedRootKeys({
        devEui,
        transportKekLabel: 'factory-1',
        wrappedNwkKey: keyWrap(transport, nwkKey),
        overwrite: false,
      });
      const reference = await open();
      await reference.importRootKeys({ devEui, nwkKey, overwrite: false });
      assert.equal(
        toHex((await vlt.buildJoinAccept(inp())).joinAcceptPhy),
        toHex((await reference.buildJoinAccept(inp())).joinAcceptPhy),
      );
      await assert.rejects(
        vlt.importWrappedRootKeys({
          devEui: hex('0000000000000002'),
          transportKekLabel: 'factory-1',
          wrappedNwkKey: new Uint8Array(24),
          overwrite: false,
        }),
        { code: 'lorawan:key_unwrap_failed' },
      );
    });
  });
}
