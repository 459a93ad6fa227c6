// `joinery api <operationId> [--<parameter> <value>]... [--body <file>|-]`: any operation of the OpenAPI document the
// running server serves, so every API action is reachable from the command line, including ones added after this
// CLI was written.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ApiClient } from './api-client.js';
import { UsageError } from './commands.js';

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  enum?: unknown[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface FoundOperation {
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'];

export function operationsOf(doc: OpenApiDocument): FoundOperation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method, op]) => methods.includes(method) && typeof op.operationId === 'string')
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  const ref = schema?.$ref;
  if (ref === undefined) return schema;
  const name = ref.replace(/^#\/components\/schemas\//, '');
  return doc.components?.schemas?.[name];
}

/** The JSON body's schema, when the operation takes one. */
const jsonBodyOf = (doc: OpenApiDocument, op: Operation) =>
  resolve(doc, op.requestBody?.content?.['application/json']?.schema);

/** `joinery api` alone: one line per operation. */
export function listOperations(doc: OpenApiDocument): string {
  const rows = operationsOf(doc).map((o) => [
    o.operation.operationId!,
    `${o.method} ${o.path}`,
    o.operation.summary ?? '',
  ]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  return rows.map(([id, call, summary]) => `  ${id!.padEnd(w0)}  ${call!.padEnd(w1)}  ${summary}`).join('\n');
}

/** `joinery api <operationId> --help`: what the operation takes. */
export function describeOperation(doc: OpenApiDocument, found: FoundOperation): string {
  const { operation: op } = found;
  const lines = [
    `${op.operationId}: ${found.method} ${found.path}`,
    ...(op.summary === undefined ? [] : [`  ${op.summary}`]),
    ...(op.description === undefined ? [] : [`  ${op.description}`]),
    '',
  ];
  const params = (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
  if (params.length > 0) {
    lines.push('Parameters:');
    for (const p of params)
      lines.push(
        `  --${p.name} <value>  (${p.in}${p.required === true ? ', required' : ''})${p.description === undefined ? '' : ` ${p.description}`}`,
      );
  }
  const body = jsonBodyOf(doc, op);
  if (body !== undefined) {
    lines.push(
      `Body (JSON${op.requestBody?.required === true ? ', required' : ''}): --body <file>|- or its fields:`,
    );
    for (const [name, schema] of Object.entries(body.properties ?? {}))
      lines.push(
        `  --${name} <${[schema.type ?? 'value'].flat().join('|')}>${body.required?.includes(name) === true ? '  (required)' : ''}${schema.description === undefined ? '' : `  ${schema.description}`}`,
      );
  }
  const others = Object.keys(op.requestBody?.content ?? {}).filter((c) => c !== 'application/json');
  if (others.length > 0)
    lines.push(`  --body <file> may also be ${others.join(', ')} (--content-type <type>)`);
  return lines.join('\n');
}

/** `--name value` and `--name=value` pairs; a flag without a value is `true`. */
export function parsePairs(args: readonly string[]): Map<string, string[]> {
  const pairs = new Map<string, string[]>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--')
      throw new UsageError(`unexpected argument ${arg}: parameters are --<name> <value>`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) value = args[(i += 1)]!;
    else value = 'true';
    pairs.set(name, [...(pairs.get(name) ?? []), value]);
  }
  return pairs;
}

/** A body field's value as its schema types it: numbers, booleans, arrays and objects are JSON. */
function fieldValue(name: string, raw: string, schema: Schema | undefined): unknown {
  const types = [schema?.type ?? []].flat();
  if (types.length === 0 || types.includes('string')) {
    if (types.length === 0 && /^[[{]/.test(raw)) {
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    }
    return raw;
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--${name} must be JSON (${types.join(' or ')}), got ${raw}`);
  }
}

export interface ApiCallRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** Set when the body is sent as it is (`--content-type`, e.g. text/csv), not as JSON. */
  readonly contentType?: string;
}

/** The request `joinery api` sends for these arguments. */
export function buildApiCall(
  doc: OpenApiDocument,
  found: FoundOperation,
  pairs: Map<string, string[]>,
  readBody: (source: string) => string,
): ApiCallRequest {
  const { operation: op } = found;
  const left = new Map(pairs);
  const one = (name: string) => {
    const values = left.get(name);
    left.delete(name);
    if (values === undefined) return undefined;
    if (values.length > 1) throw new UsageError(`--${name} is given more than once`);
    return values[0];
  };
  let path = found.path;
  const query = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const value = one(p.name);
    if (value === undefined) {
      if (p.required === true || p.in === 'path')
        throw new UsageError(`${op.operationId} needs --${p.name} <value> (${p.in} parameter)`);
      continue;
    }
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(value));
    else query.set(p.name, value);
  }
  const bodySource = one('body');
  const contentType = one('content-type');
  const schema = jsonBodyOf(doc, op);
  let body: unknown;
  if (contentType !== undefined && contentType !== 'application/json') {
    if (bodySource === undefined) throw new UsageError('--content-type needs --body <file>|-');
    if (op.requestBody?.content?.[contentType] === undefined)
      throw new UsageError(
        `${op.operationId} does not take ${contentType} (it takes ${Object.keys(op.requestBody?.content ?? {}).join(', ') || 'no body'})`,
      );
    if (left.size > 0)
      throw new UsageError(`unknown parameter --${[...left.keys()][0]} for ${op.operationId}`);
    const q = query.size === 0 ? '' : `?${query.toString()}`;
    return { method: found.method, path: `${path}${q}`, body: readBody(bodySource), contentType };
  }
  if (bodySource !== undefined) {
    if (op.requestBody === undefined) throw new UsageError(`${op.operationId} takes no body`);
    const text = readBody(bodySource);
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`the body (${bodySource}) is not JSON: ${(err as Error).message}`);
    }
  }
  if (left.size > 0) {
    if (schema === undefined)
      throw new UsageError(
        `unknown parameter --${[...left.keys()][0]} for ${op.operationId} (joinery api ${op.operationId} --help)`,
      );
    const fields: Record<string, unknown> =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    for (const [name, values] of left) {
      const property = resolve(doc, schema.properties?.[name]);
      if (schema.properties !== undefined && property === undefined)
        throw new UsageError(
          `unknown parameter --${name} for ${op.operationId} (joinery api ${op.operationId} --help)`,
        );
      const isArray = [property?.type ?? []].flat().includes('array');
      fields[name] = isArray && values.length > 1 ? values : fieldValue(name, values.at(-1)!, property);
    }
    body = fields;
  }
  if (body === undefined && op.requestBody?.required === true && schema !== undefined) body = {};
  const q = query.size === 0 ? '' : `?${query.toString()}`;
  return { method: found.method, path: `${path}${q}`, ...(body === undefined ? {} : { body }) };
}

/** Fetches the document from the server (public: no token needed). */
export async function fetchDocument(api: ApiClient): Promise<OpenApiDocument> {
  const answer = await api.call('GET', '/api/v1/openapi.json');
  return JSON.parse(answer.bytes.toString('utf8')) as OpenApiDocument;
}

export function findOperation(doc: OpenApiDocument, operationId: string): FoundOperation {
  const found = operationsOf(doc).find((o) => o.operation.operationId === operationId);
  if (found === undefined)
    throw new UsageError(
      `unknown operation ${operationId}: \`joinery api\` lists the operations of this server`,
    );
  return found;
}

/** `-` reads standard input; anything else is a file. */
export function bodyReader(stdin: () => string): (source: string) => string {
  return (source) => {
    if (source === '-') return stdin();
    try {
      return readFileSync(source, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  };
}

/** Writes an answer: JSON pretty-printed, text as it is, anything else only to `--output <file>`. */
export function writeAnswer(
  answer: { contentType: string; bytes: Buffer },
  output: string | undefined,
  stdout: (text: string) => void,
): void {
  if (output !== undefined) {
    writeFileSync(output, answer.bytes);
    return;
  }
  if (answer.bytes.length === 0) return;
  const type = answer.contentType.split(';')[0]!.trim();
  if (type === 'application/json') {
    stdout(`${JSON.stringify(JSON.parse(answer.bytes.toString('utf8')), null, 2)}\n`);
    return;
  }
  if (type.startsWith('text/') || type === 'image/svg+xml') {
    stdout(answer.bytes.toString('utf8'));
    return;
  }
  throw new UsageError(
    `the answer is ${type} (${answer.bytes.length} bytes): give --output <file> to save it`,
  );
}
