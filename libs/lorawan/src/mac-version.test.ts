import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type MacVersion,
  type MacVersionFacts,
  devNonceStyle,
  factsOf,
  isLoRaWAN11,
  isMacVersion,
  macVersionAliases,
  macVersionFacts,
  macVersionNamed,
  macVersions,
} from './mac-version.js';

/** One check per fact: a fact added to `MacVersionFacts` without its check here does not compile. */
const factIsValid: Readonly<Record<keyof MacVersionFacts, (value: unknown) => boolean>> = {
  keyHierarchy: (v) => v === '1.0' || v === '1.1',
  devNonce: (v) => v === 'random' || v === 'counter',
  aliases: (v) => Array.isArray(v) && v.every((a) => typeof a === 'string' && a !== ''),
};

test('every MAC version has every fact, and the table holds no other version', () => {
  assert.deepEqual(Object.keys(macVersionFacts).sort(), [...macVersions].sort());
  for (const version of macVersions)
    for (const [fact, valid] of Object.entries(factIsValid))
      assert.ok(
        valid((macVersionFacts[version] as unknown as Record<string, unknown>)[fact]),
        `${version} ${fact}`,
      );
});

test('MAC versions: 1.0.0–1.0.4 use the 1.0 key hierarchy, 1.1 the 1.1 one', () => {
  assert.deepEqual(macVersions.filter(isLoRaWAN11), ['1.1']);
  assert.ok(isMacVersion('1.0.4') && !isMacVersion('1.2') && !isMacVersion('') && !isMacVersion('toString'));
  assert.throws(() => isLoRaWAN11('1.0' as MacVersion), { code: 'lorawan:invalid_mac_version' });
  assert.throws(() => factsOf('constructor' as MacVersion), { code: 'lorawan:invalid_mac_version' });
});

test('PRODUCT invariant 4: 1.0.0–1.0.3 draw DevNonces at random, 1.0.4 and 1.1 count', () => {
  assert.deepEqual(
    macVersions.filter((v) => devNonceStyle(v) === 'counter'),
    ['1.0.4', '1.1'],
  );
  assert.throws(() => devNonceStyle('1.2' as MacVersion), { code: 'lorawan:invalid_mac_version' });
});

test('a version is named by its canonical spelling or an alias; no spelling names two versions', () => {
  for (const version of macVersions) assert.equal(macVersionNamed(version), version);
  assert.equal(macVersionNamed('1.0'), '1.0.0');
  assert.equal(macVersionNamed('1.1.0'), '1.1');
  assert.deepEqual(macVersionAliases, ['1.0', '1.1.0']);
  for (const name of ['', '1.2', '1.0.5', ' 1.0.3', '1', 'toString'])
    assert.equal(macVersionNamed(name), undefined);
  const spellings = [...macVersions, ...macVersionAliases];
  assert.equal(new Set(spellings).size, spellings.length);
});
