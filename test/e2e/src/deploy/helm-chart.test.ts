// deploy/helm/joinery checked the way a cluster would take it: `helm lint --strict` and `helm template` with the
// default values and with the files of ci/ (every feature on; the software vault), each rendering validated by
// `kubeconform -strict` against the JSON schemas of a pinned Kubernetes release, then the properties the chart
// promises read from the rendered manifests (probes, resources, Secrets, NetworkPolicies, the PKCS#11 mount).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  goTool,
  helmModule,
  kubeconformModule,
  kubernetesSchemas,
  kubernetesVersion,
  schemaFileName,
  standaloneSchemas,
} from './kubernetes-tools.js';

const root = new URL('../../../../', import.meta.url).pathname;
const chart = join(root, 'deploy/helm/joinery');
const valuesFiles = {
  default: [] as string[],
  'all-features': [join(chart, 'ci/all-features-values.yaml')],
  'software-vault': [join(chart, 'ci/software-vault-values.yaml')],
};
type Rendering = keyof typeof valuesFiles;

let helm = '';
let kubeconform = '';
let schemas = '';
const rendered = new Map<Rendering, Manifest[]>();
const renderedText = new Map<Rendering, string>();

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown> & {
    template?: { spec: PodSpec };
  };
}
interface Probe {
  grpc?: { port: number };
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}
interface Rule {
  from?: { podSelector?: { matchLabels: Record<string, string> } }[];
  to?: unknown[];
  ports: { protocol: string; port: number }[];
}

async function run(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const valueArgs = (files: readonly string[]) => files.flatMap((f) => ['-f', f]);

async function template(extra: string[] = []): Promise<{ code: number; out: string }> {
  return run(helm, ['template', 'jr', chart, '--namespace', 'lorawan', ...extra]);
}

async function kubeconformOn(manifests: string): Promise<{ code: number; out: string }> {
  return run(
    kubeconform,
    ['-strict', '-summary', '-kubernetes-version', kubernetesVersion, '-schema-location', schemas, '-'],
    manifests,
  );
}

const services = ['bi-gateway', 'claims', 'keys', 'billing', 'console'] as const;
const of = (r: Rendering, kind: string) => rendered.get(r)!.filter((m) => m.kind === kind);
const named = (r: Rendering, kind: string, component: string) => {
  const found = of(r, kind).find((m) => m.metadata.labels?.['app.kubernetes.io/component'] === component);
  assert.ok(found, `${kind} of ${component} in the ${r} rendering`);
  return found;
};
const container = (r: Rendering, component: string) =>
  named(r, 'Deployment', component).spec.template!.spec.containers[0]!;
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);

before(
  async () => {
    const log = (line: string) => console.error(`  ${line}`);
    const started = Date.now();
    [helm, kubeconform, schemas] = await Promise.all([
      goTool(helmModule, log),
      goTool(kubeconformModule, log),
      kubernetesSchemas(kubernetesVersion, log),
    ]);
    log(
      `helm, kubeconform and the Kubernetes ${kubernetesVersion} schemas ready in ${Date.now() - started} ms`,
    );
    for (const [name, files] of Object.entries(valuesFiles) as [Rendering, string[]][]) {
      const { code, out } = await template(valueArgs(files));
      assert.equal(code, 0, `helm template (${name}):\n${out}`);
      rendered.set(
        name,
        parseAllDocuments(out)
          .map((d) => d.toJSON() as Manifest | null)
          .filter((m): m is Manifest => m !== null),
      );
      renderedText.set(name, out);
    }
  },
  { timeout: 30 * 60_000 },
);

describe('helm lint, helm template and kubeconform', () => {
  for (const [name, files] of Object.entries(valuesFiles) as [Rendering, string[]][]) {
    test(`${name} values: helm lint --strict passes and every manifest is valid Kubernetes ${kubernetesVersion}`, async () => {
      const lint = await run(helm, ['lint', '--strict', chart, ...valueArgs(files)]);
      assert.equal(lint.code, 0, lint.out);
      const check = await kubeconformOn(renderedText.get(name)!);
      assert.equal(check.code, 0, check.out);
      assert.match(check.out, /Invalid: 0, Errors: 0, Skipped: 0/);
    });
  }

  test('kubeconform refuses what the Kubernetes API would: unknown fields, wrong types, unknown kinds', async () => {
    const deployment = renderedText
      .get('default')!
      .split(/^---$/m)
      .find((d) => /^kind: Deployment$/m.test(d))!;
    for (const broken of [
      deployment.replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 5\n  replica: 2'),
      deployment.replace(/periodSeconds: 5/, 'periodSeconds: "5"'),
      deployment.replace('kind: Deployment', 'kind: Deploymnet'),
    ]) {
      assert.notEqual(broken, deployment);
      const check = await kubeconformOn(broken);
      assert.notEqual(check.code, 0, check.out);
    }
  });

  test('values.schema.json refuses a mistyped value, an unknown key and a bad broker list, and nothing renders', async () => {
    for (const [set, path] of [
      ['claims.replicas=two', '/claims/replicas'],
      ['keys.replica=2', '/keys'],
      ['kafka.brokers=kafka', '/kafka/brokers'],
      ['keys.vault=files', '/keys/vault'],
    ] as const) {
      const r = await template(['--set', set]);
      assert.notEqual(r.code, 0, set);
      assert.ok(r.out.includes(path), `${set}: ${r.out}`);
      assert.doesNotMatch(r.out, /^kind:/m);
    }
  });
});

describe('the rendered chart', () => {
  test('one Deployment, Service and PodDisruptionBudget per service, each image the Dockerfile builds for it', () => {
    const dockerfile = readFileSync(join(root, 'deploy/docker/Dockerfile'), 'utf8');
    assert.match(dockerfile, /^ARG SERVICE$/m);
    for (const r of ['default', 'all-features'] as const) {
      assert.deepEqual(
        of(r, 'Deployment')
          .map((d) => d.metadata.labels?.['app.kubernetes.io/component'])
          .sort(),
        [...services].sort(),
      );
      for (const s of services) {
        named(r, 'Service', s);
        assert.ok(existsSync(join(root, 'services', s, 'src/main.ts')), s);
        assert.match(container(r, s).image, new RegExp(`(^|/)joinery-${s}:`), s);
      }
    }
    assert.equal(of('default', 'PodDisruptionBudget').length, 5);
    assert.equal(of('all-features', 'PodDisruptionBudget').length, 4, 'billing turned off');
    assert.equal(named('all-features', 'PodDisruptionBudget', 'bi-gateway').spec['minAvailable'], 2);
    assert.equal(
      container('all-features', 'bi-gateway').image,
      'registry.example.com/joinery/joinery-bi-gateway:0.1.0-rc.2',
    );
  });

  test('probes call the real health endpoints: gRPC health of keys, claims and billing, HTTP of the gateway and console', () => {
    const grpcPorts = { keys: 7401, claims: 7402, billing: 7403 } as const;
    for (const r of ['default', 'all-features', 'software-vault'] as const) {
      for (const [s, port] of Object.entries(grpcPorts)) {
        const c = container(r, s);
        for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe])
          assert.deepEqual(probe?.grpc, { port }, `${r} ${s}`);
        assert.equal(c.ports?.find((p) => p.name === 'grpc')?.containerPort, port);
        assert.ok(envOf(c, `JOINERY_${s.toUpperCase()}_GRPC_ADDRESS`)?.value?.endsWith(`:${port}`), s);
      }
      const gateway = container(r, 'bi-gateway');
      assert.deepEqual(gateway.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
      assert.deepEqual(gateway.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
      assert.equal(
        String(gateway.ports?.find((p) => p.name === 'metrics')?.containerPort),
        envOf(gateway, 'JOINERY_BI_METRICS_PORT')?.value,
      );
      const web = container(r, 'console');
      assert.deepEqual(web.readinessProbe?.httpGet, { path: '/api/v1/health', port: 'http' });
      assert.deepEqual(web.livenessProbe?.httpGet, { path: '/api/v1/health', port: 'http' });
    }
  });

  test('every container has CPU and memory requests and a memory limit, runs as non-root on a read-only root', () => {
    for (const r of ['default', 'all-features'] as const)
      for (const d of of(r, 'Deployment'))
        for (const c of [
          ...d.spec.template!.spec.containers,
          ...(d.spec.template!.spec.initContainers ?? []),
        ]) {
          assert.ok(c.resources?.requests?.['cpu'] !== undefined, `${d.metadata.name}/${c.name}`);
          assert.ok(c.resources?.requests?.['memory'] !== undefined, `${d.metadata.name}/${c.name}`);
          assert.ok(c.resources?.limits?.['memory'] !== undefined, `${d.metadata.name}/${c.name}`);
          assert.equal(c.securityContext?.['readOnlyRootFilesystem'], true);
          assert.equal(c.securityContext?.['allowPrivilegeEscalation'], false);
        }
  });

  test('HorizontalPodAutoscalers scale the Deployments whose autoscaling is on, which then name no replica count', () => {
    const scaled = (r: Rendering) =>
      of(r, 'HorizontalPodAutoscaler')
        .map((h) => (h.spec['scaleTargetRef'] as { name: string }).name)
        .sort();
    assert.deepEqual(scaled('default'), ['jr-joinery-bi-gateway', 'jr-joinery-claims', 'jr-joinery-keys']);
    assert.deepEqual(scaled('all-features'), [
      'jr-joinery-bi-gateway',
      'jr-joinery-billing',
      'jr-joinery-keys',
    ]);
    for (const d of of('default', 'Deployment'))
      assert.equal(
        d.spec['replicas'] === undefined,
        scaled('default').includes(d.metadata.name),
        d.metadata.name,
      );
    const gatewayHpa = named('all-features', 'HorizontalPodAutoscaler', 'bi-gateway');
    assert.deepEqual(
      (gatewayHpa.spec['metrics'] as { resource: { name: string } }[]).map((m) => m.resource.name),
      ['cpu', 'memory'],
    );
  });

  test('NetworkPolicies: only the gateway and console take traffic from outside; claims, keys, billing only from their callers', () => {
    const callers = (r: Rendering, component: string) => {
      const policy = named(r, 'NetworkPolicy', component);
      assert.deepEqual(policy.spec['policyTypes'], ['Ingress', 'Egress']);
      return (policy.spec['ingress'] as Rule[]).map((rule) => ({
        from: rule.from?.map((f) => f.podSelector?.matchLabels['app.kubernetes.io/component'] ?? 'external'),
        ports: rule.ports.map((p) => p.port),
      }));
    };
    assert.deepEqual(callers('default', 'bi-gateway'), [{ from: undefined, ports: [7443] }]);
    assert.deepEqual(callers('default', 'console'), [{ from: undefined, ports: [7080] }]);
    assert.deepEqual(callers('default', 'claims'), [{ from: ['bi-gateway', 'console'], ports: [7402] }]);
    assert.deepEqual(callers('default', 'keys'), [{ from: ['bi-gateway', 'claims'], ports: [7401] }]);
    assert.deepEqual(callers('default', 'billing'), [{ from: ['console'], ports: [7403] }]);
    // All features: the outside narrowed to the NSs' range and the ingress controller, metrics from monitoring.
    assert.deepEqual(callers('all-features', 'bi-gateway'), [
      { from: ['external'], ports: [7443] },
      { from: ['external'], ports: [9464] },
    ]);
    assert.deepEqual(callers('all-features', 'billing'), [
      { from: ['console'], ports: [7403] },
      { from: ['external'], ports: [9465] },
    ]);
    assert.deepEqual(callers('all-features', 'keys'), callers('default', 'keys'));

    const egressPorts = (r: Rendering, component: string) =>
      (named(r, 'NetworkPolicy', component).spec['egress'] as Rule[]).flatMap((rule) =>
        rule.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port),
      );
    assert.deepEqual(egressPorts('default', 'keys'), [53, 6379, 9092]);
    assert.deepEqual(egressPorts('default', 'claims'), [53, 7401, 6379, 9092]);
    assert.deepEqual(egressPorts('default', 'billing'), [53, 6379, 9092]);
    assert.deepEqual(egressPorts('default', 'bi-gateway'), [53, 7401, 7402, 443]);
    assert.deepEqual(egressPorts('default', 'console'), [53, 7402, 7403]);
    assert.deepEqual(egressPorts('all-features', 'keys'), [53, 6379, 6380, 9092, 1792]);
    assert.equal(of('software-vault', 'NetworkPolicy').length, 0);
    // Only the gateway is exposed by its Service; the others are cluster-internal.
    for (const s of services)
      assert.equal(
        named('default', 'Service', s).spec['type'],
        s === 'bi-gateway' ? 'LoadBalancer' : 'ClusterIP',
      );
  });

  test('secrets come from Kubernetes Secrets only: admin token, claims seal key, PKCS#11 PIN, software master key', () => {
    for (const r of ['default', 'all-features', 'software-vault'] as const)
      for (const d of of(r, 'Deployment'))
        for (const c of [
          ...d.spec.template!.spec.containers,
          ...(d.spec.template!.spec.initContainers ?? []),
        ])
          for (const e of c.env ?? [])
            if (/TOKEN$|PIN$|PASSWORD|SECRET/.test(e.name))
              assert.ok(e.valueFrom?.secretKeyRef, `${r} ${c.name} ${e.name} must come from a Secret`);
    assert.deepEqual(envOf(container('default', 'claims'), 'JOINERY_ADMIN_TOKEN')?.valueFrom?.secretKeyRef, {
      name: 'joinery-admin',
      key: 'admin-token',
    });
    assert.deepEqual(
      envOf(container('all-features', 'keys'), 'JOINERY_PKCS11_PIN')?.valueFrom?.secretKeyRef,
      {
        name: 'hsm-partition',
        key: 'pin',
      },
    );
    assert.deepEqual(
      envOf(container('all-features', 'bi-gateway'), 'JOINERY_REDIS_URL'),
      undefined,
      'the gateway does not reach Redis',
    );
    assert.deepEqual(
      envOf(container('all-features', 'claims'), 'JOINERY_REDIS_URL')?.valueFrom?.secretKeyRef,
      {
        name: 'joinery-redis',
        key: 'url',
      },
    );
    // Key files: copied from the Secret into a memory volume with mode 0600 (the services refuse group-readable ones).
    for (const [r, component, file, secret] of [
      ['default', 'claims', 'claims-seal.key', 'joinery-claims-seal'],
      ['software-vault', 'keys', 'keys-master.key', 'joinery-keys-master'],
    ] as const) {
      const pod = named(r, 'Deployment', component).spec.template!.spec;
      const init = pod.initContainers?.find((c) => c.name === 'key-files');
      assert.ok(init, `${component} key-files init container`);
      assert.match(JSON.stringify(init), new RegExp(`install -m 0600 .*/var/run/joinery/keys/${file}`));
      assert.ok(
        pod.volumes?.some((v) => JSON.stringify(v).includes(`"secretName":"${secret}"`)),
        secret,
      );
      assert.ok(
        pod.volumes?.some((v) => v.name === 'key-files' && JSON.stringify(v).includes('"medium":"Memory"')),
      );
      const env = container(r, component).env ?? [];
      assert.ok(
        env.some((e) => e.value === `/var/run/joinery/keys/${file}`),
        file,
      );
    }
  });

  test('keys gets the PKCS#11 module and token: env JOINERY_PKCS11_*, the token volume, a vendor module volume', () => {
    const softhsm = container('default', 'keys');
    assert.equal(envOf(softhsm, 'JOINERY_PKCS11_MODULE')?.value, '/usr/lib/softhsm/libsofthsm2.so');
    assert.equal(envOf(softhsm, 'JOINERY_PKCS11_TOKEN_LABEL')?.value, 'joinery');
    assert.ok(
      softhsm.volumeMounts?.some(
        (m) => m.name === 'softhsm-tokens' && m.mountPath === '/var/lib/joinery/softhsm/tokens',
      ),
    );
    const defaultPod = named('default', 'Deployment', 'keys').spec.template!.spec;
    assert.deepEqual(
      defaultPod.volumes?.find((v) => v.name === 'softhsm-tokens')?.['persistentVolumeClaim'],
      {
        claimName: 'joinery-softhsm-tokens',
      },
    );
    // The token is created on first start by the image's init-token.sh, with the PIN and SO PIN from the Secret.
    const init = defaultPod.initContainers?.find((c) => c.name === 'softhsm-token');
    assert.ok(init, 'softhsm-token init container');
    assert.match(JSON.stringify(init), /deploy\/softhsm\/init-token\.sh/);
    assert.ok(existsSync(join(root, 'deploy/softhsm/init-token.sh')));
    assert.deepEqual(envOf(init, 'JOINERY_PKCS11_SO_PIN')?.valueFrom?.secretKeyRef, {
      name: 'joinery-pkcs11',
      key: 'so-pin',
    });
    assert.ok(init.volumeMounts?.some((m) => m.name === 'softhsm-tokens'));

    const hsm = container('all-features', 'keys');
    assert.equal(envOf(hsm, 'JOINERY_PKCS11_MODULE')?.value, '/opt/pkcs11/lib/libCryptoki2_64.so');
    assert.equal(envOf(hsm, 'JOINERY_PKCS11_SLOT')?.value, '0');
    assert.equal(envOf(hsm, 'JOINERY_PKCS11_TOKEN_LABEL'), undefined);
    assert.equal(envOf(hsm, 'ChrystokiConfigurationPath')?.value, '/opt/pkcs11/etc');
    assert.deepEqual(
      hsm.volumeMounts?.find((m) => m.name === 'pkcs11-module'),
      { name: 'pkcs11-module', mountPath: '/opt/pkcs11', readOnly: true },
    );
    const pod = named('all-features', 'Deployment', 'keys').spec.template!.spec;
    assert.deepEqual(pod.volumes?.find((v) => v.name === 'pkcs11-module')?.['hostPath'], {
      path: '/opt/safenet/lunaclient',
      type: 'Directory',
    });
    // A network HSM: no SoftHSM2 token directory, no token set-up, egress to the HSM only.
    assert.equal(
      pod.volumes?.find((v) => v.name === 'softhsm-tokens'),
      undefined,
    );
    assert.equal(pod.initContainers, undefined);

    const software = container('software-vault', 'keys');
    assert.equal(envOf(software, 'JOINERY_PKCS11_MODULE'), undefined);
    assert.equal(envOf(software, 'JOINERY_PKCS11_PIN'), undefined);
  });

  test('Redis and Kafka are external, by URL; the topics job creates the topics with RF 3 and min.insync.replicas 2', () => {
    for (const s of ['claims', 'keys', 'billing']) {
      assert.equal(envOf(container('default', s), 'JOINERY_REDIS_URL')?.value, 'redis://redis:6379');
      assert.equal(envOf(container('default', s), 'JOINERY_KAFKA_BROKERS')?.value, 'kafka:9092');
    }
    assert.equal(of('default', 'Job').length, 0);
    const [job] = of('all-features', 'Job');
    assert.ok(job);
    const script = JSON.stringify(job.spec.template!.spec.containers[0]);
    for (const topic of ['joinery.joins.v1', 'joinery.devices.v1', 'joinery.billing.v1'])
      assert.match(
        script,
        new RegExp(
          `--topic ${topic.replaceAll('.', '\\.')} --partitions 24 --replication-factor 3 .*--config min\\.insync\\.replicas=2`,
        ),
      );
    assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  });
});

test('the schema generator writes strict standalone schemas under the names kubeconform looks up', () => {
  assert.equal(
    schemaFileName({ group: 'apps', version: 'v1', kind: 'Deployment' }),
    'deployment-apps-v1.json',
  );
  assert.equal(schemaFileName({ group: '', version: 'v1', kind: 'Service' }), 'service-v1.json');
  assert.equal(
    schemaFileName({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' }),
    'networkpolicy-networking-v1.json',
  );
  const schemas = standaloneSchemas({
    definitions: {
      'x.Thing': {
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: 'example.io', version: 'v1', kind: 'Thing' }],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          port: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
          size: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
        },
      },
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
      'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
      'x.Unused': { type: 'object', properties: { a: { type: 'string' } } },
    },
  });
  assert.deepEqual([...schemas.keys()], ['thing-example-v1.json']);
  const thing = schemas.get('thing-example-v1.json')!;
  assert.equal(thing['additionalProperties'], false);
  assert.deepEqual((thing['properties'] as Record<string, { enum?: string[] }>)['kind']?.enum, ['Thing']);
  assert.deepEqual((thing['properties'] as Record<string, { enum?: string[] }>)['apiVersion']?.enum, [
    'example.io/v1',
  ]);
  const definitions = thing['definitions'] as Record<string, unknown>;
  assert.deepEqual(Object.keys(definitions).sort(), [
    'io.k8s.apimachinery.pkg.api.resource.Quantity',
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  ]);
  assert.deepEqual(definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], {
    oneOf: [{ type: 'string' }, { type: 'integer' }],
  });
  assert.deepEqual(definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'], {
    oneOf: [{ type: 'string' }, { type: 'number' }],
  });
});
