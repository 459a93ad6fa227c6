import type { ConfigOf, ConfigSchema } from '@joinery/config';
import type { KeyVault } from './domain/key-vault.js';
import type { Logger } from './domain/ports.js';

/** What every vault is opened with beside its own configuration. */
export interface VaultOpenContext {
  /** `JOINERY_DATA_DIR`: where a vault that keeps files keeps them. */
  readonly dataDir: string;
  readonly logger: Logger;
}

/** One way the KeyVault contract (`domain/key-vault.contract.ts`) gets a vault of this kind. */
export interface VaultContractFixture {
  /** Names the run in the test output (`PKCS#11 on SoftHSM2 without session copies`). */
  readonly name: string;
  /**
   * A fresh, empty vault (for an HSM: a fresh label namespace on the token) that already holds the storage KEK
   * `storage`. The contract test closes every vault it opened.
   */
  open(): Promise<KeyVault>;
}

/**
 * A kind of key vault, declared once by its adapter and listed in `vaults.ts`: the keys configuration, `openVault`
 * and the KeyVault contract test are composed from these declarations.
 */
export interface VaultAdapter<S extends ConfigSchema = ConfigSchema> {
  /** The `vault` field of log lines and errors (`pkcs11`, `software`). */
  readonly kind: string;
  /** Its own fields of the keys configuration (`@joinery/config` fields; names unique across all vaults). */
  readonly config: S;
  /** Whether the configuration asks for this vault; the first vault of `vaults.ts` that says so is opened. */
  selected(config: ConfigOf<S>): boolean;
  /** Opens it (`keys:unsupported_vault` with a hint when its configuration is incomplete) and logs `key vault open`. */
  open(config: ConfigOf<S>, context: VaultOpenContext): Promise<KeyVault>;
  readonly contract: {
    /**
     * The test infrastructure the fixtures need, as `@joinery/testing/infra` variables (`PKCS11_MODULE`, …) that
     * `npm test` sets once it has started Redis, Kafka and SoftHSM2.
     */
    readonly infra: readonly string[];
    /** Given those variables' values; at least one fixture, or the contract test fails for this vault kind. */
    fixtures(infra: Readonly<Record<string, string>>): readonly VaultContractFixture[];
  };
}

/** Declares a vault adapter, keeping its configuration's field types. */
export const defineVaultAdapter = <const S extends ConfigSchema>(adapter: VaultAdapter<S>): VaultAdapter<S> =>
  adapter;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/** The configuration fields of all the vaults in `adapters`, as one schema. */
export type VaultsConfigSchema<A extends readonly VaultAdapter[]> = UnionToIntersection<A[number]['config']>;

/**
 * The configuration fields of every vault in `adapters`, merged into one schema. Throws when two vaults share a kind,
 * a field name or an environment variable: one would silently read the other's setting.
 */
export function vaultsConfigSchema<const A extends readonly VaultAdapter[]>(
  adapters: A,
): VaultsConfigSchema<A> {
  const kinds = new Set<string>();
  const envs = new Map<string, string>();
  const schema: Record<string, ConfigSchema[string]> = {};
  for (const adapter of adapters) {
    if (kinds.has(adapter.kind)) throw new Error(`two key vaults declare the kind ${adapter.kind}`);
    kinds.add(adapter.kind);
    for (const [name, field] of Object.entries(adapter.config)) {
      if (name in schema) throw new Error(`key vaults ${adapter.kind} and another both declare ${name}`);
      const other = envs.get(field.env);
      if (other !== undefined)
        throw new Error(`key vaults ${adapter.kind} and ${other} both read ${field.env}`);
      envs.set(field.env, adapter.kind);
      schema[name] = field;
    }
  }
  return schema as VaultsConfigSchema<A>;
}

/** The first vault of `adapters` the configuration selects, or `undefined`. */
export function selectedVault(
  adapters: readonly VaultAdapter[],
  config: Readonly<Record<string, unknown>>,
): VaultAdapter | undefined {
  return adapters.find((adapter) => adapter.selected(config as ConfigOf<ConfigSchema>));
}
