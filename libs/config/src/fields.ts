/**
 * One configuration field: where it comes from (`env`), whether it is a secret, how its text parses, and what
 * happens when it is unset. `T` is the type `loadConfig` gives it, `undefined` included when optional.
 */
export interface Field<T> {
  readonly env: string;
  /** Secrets are never echoed in errors and may also be read from the file named by `<env>_FILE`. */
  readonly secret: boolean;
  readonly optional: boolean;
  readonly default: T | undefined;
  readonly hasDefault: boolean;
  /** What a valid value looks like, for error messages and docs. */
  readonly expects: string;
  /** Parses the text of a set variable; returns the value or a `FieldError` saying why it is invalid. */
  parse(raw: string): T | FieldError;
}

/** Returned (not thrown) by a parser: why the text is not a valid value. */
export class FieldError {
  constructor(readonly reason: string) {}
}

export interface FieldOptions<T> {
  /** Value when the variable is unset or empty. */
  default?: T;
  /** Unset means `undefined` instead of an error. */
  optional?: boolean;
  /** Never echo the value; also accept `<env>_FILE`. */
  secret?: boolean;
}

/** `T | undefined` for optional fields without a default, else `T`. */
export type Resolved<T, O> = O extends { default: unknown }
  ? T
  : O extends { optional: true }
    ? T | undefined
    : T;

function field<T, O extends FieldOptions<T>>(
  env: string,
  options: O | undefined,
  expects: string,
  parse: (raw: string) => T | FieldError,
  secret = false,
): Field<Resolved<T, O>> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(env))
    throw new TypeError(`config: ${env} is not an upper-case environment variable name`);
  const hasDefault = options !== undefined && 'default' in options && options.default !== undefined;
  return {
    env,
    secret: secret || options?.secret === true,
    optional: options?.optional === true,
    default: (hasDefault ? options.default : undefined) as Resolved<T, O> | undefined,
    hasDefault,
    expects,
    parse: parse as (raw: string) => Resolved<T, O> | FieldError,
  };
}

/** Any non-empty text. */
export function string<const O extends FieldOptions<string>>(
  env: string,
  options?: O,
): Field<Resolved<string, O>> {
  return field(env, options, 'text', (raw) => raw);
}

/** A secret string (token, PIN, password): never echoed, and also read from `<env>_FILE`. */
export function secret<const O extends Omit<FieldOptions<string>, 'secret'>>(
  env: string,
  options?: O,
): Field<Resolved<string, O>> {
  return field(env, options, 'a secret', (raw) => raw, true);
}

/** A decimal integer, optionally bounded (inclusive). */
export function int<const O extends FieldOptions<number> & { min?: number; max?: number }>(
  env: string,
  options?: O,
): Field<Resolved<number, O>> {
  const min = options?.min ?? Number.MIN_SAFE_INTEGER;
  const max = options?.max ?? Number.MAX_SAFE_INTEGER;
  const expects = `an integer${options?.min === undefined ? '' : ` >= ${min}`}${options?.max === undefined ? '' : ` <= ${max}`}`;
  return field(env, options, expects, (raw) => {
    if (!/^[+-]?\d+$/.test(raw)) return new FieldError(`must be ${expects}`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max) return new FieldError(`must be ${expects}`);
    return n;
  });
}

/** A TCP port, 0–65535 (0 asks the OS for a free one). */
export function port<const O extends FieldOptions<number>>(
  env: string,
  options?: O,
): Field<Resolved<number, O>> {
  return field(env, options, 'a port number 0-65535', (raw) => {
    if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) return new FieldError('must be a port number 0-65535');
    return Number(raw);
  });
}

const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

/** `true|1|yes|on` or `false|0|no|off`, any case. */
export function bool<const O extends FieldOptions<boolean>>(
  env: string,
  options?: O,
): Field<Resolved<boolean, O>> {
  return field(env, options, 'true or false', (raw) => {
    const word = raw.toLowerCase();
    if (trueWords.has(word)) return true;
    if (falseWords.has(word)) return false;
    return new FieldError('must be true or false (also 1/0, yes/no, on/off)');
  });
}

/** An absolute URL, as a string; `protocols` (e.g. `['redis:', 'rediss:']`) restricts the scheme. */
export function url<const O extends FieldOptions<string> & { protocols?: readonly string[] }>(
  env: string,
  options?: O,
): Field<Resolved<string, O>> {
  const protocols = options?.protocols;
  const expects = protocols === undefined ? 'an absolute URL' : `a URL with scheme ${protocols.join(' or ')}`;
  return field(env, options, expects, (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return new FieldError(`must be ${expects}`);
    }
    if (protocols !== undefined && !protocols.includes(parsed.protocol))
      return new FieldError(`must be ${expects}`);
    return raw;
  });
}

/** Comma-separated values, each trimmed; empty items are dropped. */
export function list<const O extends FieldOptions<readonly string[]>>(
  env: string,
  options?: O,
): Field<Resolved<string[], O>> {
  return field(env, options as FieldOptions<string[]> | undefined, 'a comma-separated list', (raw) =>
    raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ) as Field<Resolved<string[], O>>;
}

/** One of a fixed set of words (case-sensitive). */
export function oneOf<const V extends string, const O extends FieldOptions<NoInfer<V>>>(
  env: string,
  values: readonly V[],
  options?: O,
): Field<Resolved<V, O>> {
  const expects = `one of ${values.join(', ')}`;
  return field(env, options, expects, (raw) =>
    (values as readonly string[]).includes(raw) ? (raw as V) : new FieldError(`must be ${expects}`),
  );
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in milliseconds: `250ms`, `5s`, `2m`, `1h`, `1d`, or a bare number of milliseconds. */
export function duration<const O extends FieldOptions<number>>(
  env: string,
  options?: O,
): Field<Resolved<number, O>> {
  const expects = 'a duration such as 500ms, 5s, 2m, 1h or 1d';
  return field(env, options, expects, (raw) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw);
    const unit = durationUnits[match?.[2] ?? 'ms'];
    if (match === null || unit === undefined) return new FieldError(`must be ${expects}`);
    const ms = Math.round(Number(match[1]) * unit);
    return Number.isSafeInteger(ms) ? ms : new FieldError(`must be ${expects}`);
  });
}
