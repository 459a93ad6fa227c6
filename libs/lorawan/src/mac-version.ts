import { lorawanErrors } from './errors.js';

// The one declaration of the LoRaWAN MAC versions the Join Server answers, and of the facts the code branches on
// per version. Adding a version is a line here (and its row of `macVersionFacts`): every service, the protobuf
// (which carries the version as this string), the REST schemas and the simulated network read it from here.

/** LoRaWAN MAC versions the Join Server answers, in their canonical spelling (the one every wire format carries). */
export const macVersions = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.1'] as const;
export type MacVersion = (typeof macVersions)[number];

/** What the code needs to know of a MAC version; each version has every fact (`macVersionFacts` is complete). */
export interface MacVersionFacts {
  /**
   * The key hierarchy and join procedure: `1.0` has one root key (the AppKey, carried as the NwkKey) and no OptNeg;
   * `1.1` has NwkKey + AppKey, the JS keys, OptNeg and rejoin-requests.
   */
  readonly keyHierarchy: '1.0' | '1.1';
  /**
   * PRODUCT invariant 4, how the device draws DevNonces: `random` (1.0.0–1.0.3: only reuse within a bounded history
   * is refused) or `counter` (from 1.0.4: a DevNonce not greater than the last accepted one is refused).
   */
  readonly devNonce: 'random' | 'counter';
  /** Other spellings network servers and manufacturers send for it (TTS `1.0` = 1.0.0, ChirpStack `1.1.0` = 1.1). */
  readonly aliases: readonly string[];
}

/** The facts per version. Typed `Record<MacVersion, …>`: a version without its row does not compile. */
export const macVersionFacts: Readonly<Record<MacVersion, MacVersionFacts>> = {
  '1.0.0': { keyHierarchy: '1.0', devNonce: 'random', aliases: ['1.0'] },
  '1.0.1': { keyHierarchy: '1.0', devNonce: 'random', aliases: [] },
  '1.0.2': { keyHierarchy: '1.0', devNonce: 'random', aliases: [] },
  '1.0.3': { keyHierarchy: '1.0', devNonce: 'random', aliases: [] },
  '1.0.4': { keyHierarchy: '1.0', devNonce: 'counter', aliases: [] },
  '1.1': { keyHierarchy: '1.1', devNonce: 'counter', aliases: ['1.1.0'] },
};

/** Every alias spelling (`1.0`, `1.1.0`), for the schemas that accept them beside the canonical names. */
export const macVersionAliases: readonly string[] = macVersions.flatMap((v) => macVersionFacts[v].aliases);

const byName = new Map<string, MacVersion>(
  macVersions.flatMap((v) => [[v, v] as const, ...macVersionFacts[v].aliases.map((a) => [a, v] as const)]),
);

export function isMacVersion(value: string): value is MacVersion {
  return Object.hasOwn(macVersionFacts, value);
}

/** The MAC version a canonical name or an alias names (`1.0` → `1.0.0`, `1.1.0` → `1.1`); undefined otherwise. */
export function macVersionNamed(name: string): MacVersion | undefined {
  return byName.get(name);
}

/** The facts of a version; `lorawan:invalid_mac_version` for a value that is not one. */
export function factsOf(version: MacVersion): MacVersionFacts {
  if (!isMacVersion(version)) throw lorawanErrors.invalid_mac_version({ version: String(version) });
  return macVersionFacts[version];
}

/** Whether a device of this version speaks the LoRaWAN 1.1 key hierarchy (NwkKey + AppKey, JS keys, OptNeg). */
export function isLoRaWAN11(version: MacVersion): boolean {
  return factsOf(version).keyHierarchy === '1.1';
}

/** How a device of this version draws its DevNonces (PRODUCT invariant 4). */
export function devNonceStyle(version: MacVersion): MacVersionFacts['devNonce'] {
  return factsOf(version).devNonce;
}
