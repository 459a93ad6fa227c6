// The tools that check deploy/ (the Helm chart, docker-compose.yml), installed once into the cache directory (outside the repository) like the other
// test dependencies: `helm` and `kubeconform` built by `go install` at pinned versions, and the Kubernetes JSON
// schemas that kubeconform validates against, generated offline from the OpenAPI document of a pinned Kubernetes
// release (api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes, fetched through the Go module proxy).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, ensureCached } from '@joinery/testing/infra';

const execFileAsync = promisify(execFile);

export const helmModule = { path: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.2', binary: 'helm' } as const;
export const kubeconformModule = {
  path: 'github.com/yannh/kubeconform/cmd/kubeconform',
  version: 'v0.8.0',
  binary: 'kubeconform',
} as const;
/** The Kubernetes release whose API the chart is validated against. */
export const kubernetesVersion = '1.34.4';

type Log = (line: string) => void;

async function go(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('go', args, {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
      timeout: 30 * 60_000,
    });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(
      `go ${args.join(' ')} failed (is Go installed and the Go module proxy reachable?):\n${stderr.slice(-3000)}`,
    );
  }
}

/** `go install <path>@<version>` into `<cache>/go-tools/<binary>-<version>/bin`; returns the binary's path. */
export async function goTool(
  module: { readonly path: string; readonly version: string; readonly binary: string },
  log: Log = () => undefined,
): Promise<string> {
  const { path } = await ensureCached({
    dir: join(cacheRoot(), 'go-tools', `${module.binary}-${module.version}`),
    contentName: 'bin',
    fingerprint: `${module.path}@${module.version}`,
    log,
    fill: async (into) => {
      log(`go install ${module.path}@${module.version} (one-time)`);
      await go(['install', `${module.path}@${module.version}`], { GOBIN: into, CGO_ENABLED: '0' });
    },
  });
  return join(path, module.binary);
}

/**
 * `go build` of the Go program in `dir` (its go.mod and go.sum pin every module) into
 * `<cache>/go-tools/<binary>-<hash of its sources>/bin`; returns the binary's path.
 */
export async function goBuild(dir: string, binary: string, log: Log = () => undefined): Promise<string> {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort())
    if (/^(go\.mod|go\.sum|.*\.go)$/.test(file)) hash.update(file).update(readFileSync(join(dir, file)));
  const sources = hash.digest('hex');
  const { path } = await ensureCached({
    dir: join(cacheRoot(), 'go-tools', `${binary}-${sources.slice(0, 16)}`),
    contentName: 'bin',
    fingerprint: sources,
    log,
    fill: async (into) => {
      log(`go build ${dir} (one-time)`);
      try {
        await execFileAsync('go', ['build', '-mod=readonly', '-o', join(into, binary), '.'], {
          cwd: dir,
          env: { ...process.env, CGO_ENABLED: '0' },
          maxBuffer: 16 << 20,
          timeout: 20 * 60_000,
        });
      } catch (err) {
        throw new Error(
          `go build in ${dir} failed:\n${((err as { stderr?: string }).stderr ?? '').slice(-3000)}`,
        );
      }
    },
  });
  return join(path, binary);
}

/**
 * The directory to give kubeconform's `-schema-location`: it holds `v<version>-standalone-strict/<kind>-<group>-<v>.json`,
 * the layout kubeconform looks up for `-kubernetes-version <version> -strict`.
 */
export async function kubernetesSchemas(
  version = kubernetesVersion,
  log: Log = () => undefined,
): Promise<string> {
  const dir = join(cacheRoot(), `kubernetes-json-schema-v${version}`);
  await ensureCached({
    dir,
    contentName: `v${version}-standalone-strict`,
    fingerprint: `k8s.io/kubernetes@v${version} api/openapi-spec/swagger.json, strict`,
    log,
    fill: async (into) => {
      log(`generating the Kubernetes ${version} JSON schemas from k8s.io/kubernetes@v${version} (one-time)`);
      const { Dir } = JSON.parse(await go(['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`])) as {
        Dir: string;
      };
      const swagger = JSON.parse(readFileSync(join(Dir, 'api/openapi-spec/swagger.json'), 'utf8')) as Swagger;
      for (const [file, schema] of standaloneSchemas(swagger))
        writeFileSync(join(into, file), JSON.stringify(schema));
    },
  });
  return dir;
}

type JsonSchema = { [key: string]: unknown };
interface Swagger {
  readonly definitions: Record<string, JsonSchema>;
}
interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
/** Quantities (`cpu: 500m`, `memory: 1Gi`, `cpu: 1`) are strings or numbers in manifests. */
const quantitySchema: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/** The name kubeconform looks a kind up by: `deployment-apps-v1.json`, `service-v1.json`, `networkpolicy-networking-v1.json`. */
export function schemaFileName(gvk: GroupVersionKind): string {
  const group = gvk.group === '' ? '' : `-${gvk.group.split('.')[0]!.toLowerCase()}`;
  return `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
}

/**
 * One standalone JSON schema (draft 4, kubeconform's default) per kind of the OpenAPI v2 document, the way
 * openapi2jsonschema's `--strict --stand-alone` writes them: strict (objects with `properties` refuse any other), the
 * definitions it refers to copied under `definitions`, `int-or-string` fields as string or integer, quantities as
 * string or number, and `apiVersion`/`kind` pinned to the kind's.
 */
export function standaloneSchemas(swagger: Swagger): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  for (const definition of Object.values(swagger.definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
    if (gvks === undefined || gvks.length !== 1) continue; // DeleteOptions, WatchEvent: not resources
    const gvk = gvks[0]!;
    const properties = definition['properties'] as Record<string, JsonSchema> | undefined;
    if (properties?.['kind'] === undefined || properties['apiVersion'] === undefined) continue;
    const used = new Set<string>();
    const collect = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(collect);
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const target = value.replace('#/definitions/', '');
          if (!used.has(target)) {
            used.add(target);
            collect(swagger.definitions[target]);
          }
        } else collect(value);
      }
    };
    collect(definition);
    const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
    const root = strict(definition) as JsonSchema;
    const rootProperties = root['properties'] as Record<string, JsonSchema>;
    rootProperties['apiVersion'] = { ...rootProperties['apiVersion'], enum: [apiVersion] };
    rootProperties['kind'] = { ...rootProperties['kind'], enum: [gvk.kind] };
    root['required'] = [
      ...new Set([...((root['required'] as string[] | undefined) ?? []), 'apiVersion', 'kind']),
    ];
    root['definitions'] = Object.fromEntries(
      [...used]
        .sort()
        .map((d) => [d, d === quantity ? quantitySchema : strict(swagger.definitions[d] ?? {})]),
    );
    root['$schema'] = 'http://json-schema.org/draft-04/schema#';
    out.set(schemaFileName(gvk), root);
  }
  return out;
}

function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => strict(n));
  if (node === null || typeof node !== 'object') return node;
  const n = node as JsonSchema;
  if (n['format'] === 'int-or-string') {
    const { type: _type, format: _format, ...rest } = n;
    return { ...rest, oneOf: [{ type: 'string' }, { type: 'integer' }] };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(n)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] = key === 'properties' ? mapValues(value as Record<string, unknown>) : strict(value);
  }
  if (out['properties'] !== undefined && out['additionalProperties'] === undefined)
    out['additionalProperties'] = false;
  return out;
}

function mapValues(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, strict(v)]));
}

/**
 * Everything the deploy checks need, installed before the test files run (`scripts/test.ts`): a cold install (Go
 * builds of helm and compose-check) takes longer than one test file may.
 */
export async function prepareDeployTools(log: Log = () => undefined): Promise<void> {
  const repoRoot = new URL('../../../../', import.meta.url).pathname;
  await Promise.all([
    goTool(helmModule, log),
    goTool(kubeconformModule, log),
    kubernetesSchemas(kubernetesVersion, log),
    goBuild(join(repoRoot, 'deploy/compose-check'), 'compose-check', log),
  ]);
}
