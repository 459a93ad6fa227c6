import { readFileSync } from 'node:fs';
import { defineErrors } from '@joinery/errors';
import { FieldError, type Field } from './fields.js';

export const configErrors = defineErrors('config', {
  invalid: ['invalid_argument', 'invalid configuration'],
});

/** A service's configuration schema: property name → field. */
export type ConfigSchema = Readonly<Record<string, Field<unknown>>>;

/** The typed configuration a schema describes. */
export type ConfigOf<S extends ConfigSchema> = {
  -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads every field of `schema` from `env`. An empty variable counts as unset. A secret may instead come from the
 * file named by `<env>_FILE` (one trailing newline trimmed); setting both is an error. Collects every problem and
 * throws one `config:invalid` error listing them all; secret values never appear in it.
 */
export function loadConfig<const S extends ConfigSchema>(schema: S, env: Env = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: [string, string][] = [];
  for (const [name, field] of Object.entries(schema)) {
    const raw = readRaw(field, env);
    if (raw instanceof FieldError) {
      problems.push([field.env, raw.reason]);
      continue;
    }
    if (raw.value === undefined) {
      if (field.hasDefault) out[name] = field.default;
      else if (field.optional) out[name] = undefined;
      else problems.push([field.env, `is required (${field.expects})`]);
      continue;
    }
    const parsed = field.parse(raw.value);
    if (parsed instanceof FieldError) {
      const shown = field.secret
        ? ''
        : ` (got ${JSON.stringify(raw.value.length > 64 ? `${raw.value.slice(0, 64)}…` : raw.value)})`;
      problems.push([raw.source, `${parsed.reason}${shown}`]);
    } else {
      out[name] = parsed;
    }
  }
  if (problems.length > 0) {
    const lines = problems.map(([key, reason]) => `  ${key}: ${reason}`);
    throw configErrors.invalid(
      { keys: problems.map(([key]) => key).join(','), count: problems.length },
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
  }
  return out as ConfigOf<S>;
}

function readRaw(
  field: Field<unknown>,
  env: Env,
): { value: string | undefined; source: string } | FieldError {
  const direct = nonEmpty(env[field.env]);
  const fileVar = `${field.env}_FILE`;
  const file = field.secret ? nonEmpty(env[fileVar]) : undefined;
  if (direct !== undefined && file !== undefined)
    return new FieldError(`is set both directly and through ${fileVar}; set only one`);
  if (file === undefined) return { value: direct, source: field.env };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return new FieldError(`${fileVar} names a file that cannot be read: ${file} (${code})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return new FieldError(`${fileVar} names an empty file: ${file}`);
  return { value, source: fileVar };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
