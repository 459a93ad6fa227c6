import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureExecutable } from './system-packages.js';

const run = promisify(execFile);

export interface TestHost {
  readonly name: string;
  /** The network namespace: `jn<pid>x<n>-<name>`. */
  readonly netns: string;
  /** Its address on the test network's /24. */
  readonly ip: string;
  /** Prefix that runs a command on this host: `['ip', 'netns', 'exec', netns]`. */
  readonly wrap: readonly string[];
}

export interface TestNetwork {
  /** The hosts by name; the test runner itself is `runner` (the root namespace, address .1). */
  readonly hosts: Readonly<Record<string, TestHost>>;
  readonly runnerIp: string;
  /** Drops every packet between host `a` and address `toIp`, both ways (filtered on `a`). */
  partition(a: string, toIp: string): Promise<void>;
  /** Drops `percent` % of the packets between host `a` and `toIp`, at random, both ways. */
  loss(a: string, toIp: string, percent: number): Promise<void>;
  /** Limits host `a`'s outgoing link to `rate` (tc tbf, e.g. `64kbit`): queueing delay and drops under load. */
  throttle(a: string, rate: string): Promise<void>;
  /** Removes every fault of host `a`. */
  heal(a: string): Promise<void>;
  /** Deletes the namespaces and links; idempotent. Also runs on process exit. */
  destroy(): Promise<void>;
}

let created = 0;

/**
 * A private /24 of network namespaces for fault tests, all made and removed inside the test run: one namespace per
 * host, each with a veth into a bridge in a switch namespace of its own, and a veth from the test runner's (root)
 * namespace into the same bridge, so the runner reaches every host. Faults are nftables rules (partitions, random
 * packet loss) and tc tbf (a slow link) inside a host's namespace. Namespaces of earlier runs whose process is gone
 * are removed first. Needs root, `ip` (iproute2), `nft` (nftables) and `tc`.
 */
export async function createTestNetwork(
  hostNames: readonly string[],
  options: { log?: (line: string) => void } = {},
): Promise<TestNetwork> {
  const log = options.log ?? (() => undefined);
  for (const [binary, debianPackage] of [
    ['ip', 'iproute2'],
    ['tc', 'iproute2'],
    ['nft', 'nftables'],
  ] as const)
    await ensureExecutable(
      { purpose: 'network fault tests', binary, debianPackage, otherwise: 'a Linux host with root' },
      log,
    );
  await removeStale();
  const id = `jn${process.pid}x${created++}`;
  const subnet = await freeSubnet();
  const sw = `${id}-sw`;
  const rootLink = `${id}r`;
  const namespaces: string[] = [sw];
  const sh = (...args: string[]) => run(args[0]!, args.slice(1), { timeout: 10_000 });
  const inNs = (ns: string, ...args: string[]) => sh('ip', 'netns', 'exec', ns, ...args);
  let destroyed: Promise<void> | undefined;
  const destroy = () =>
    (destroyed ??= (async () => {
      process.off('exit', destroySync);
      await sh('ip', 'link', 'del', rootLink).catch(() => undefined);
      for (const ns of namespaces) await sh('ip', 'netns', 'del', ns).catch(() => undefined);
    })());
  const destroySync = () => {
    try {
      execFileSync('ip', ['link', 'del', rootLink], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    for (const ns of namespaces)
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
  };
  process.on('exit', destroySync);
  const hosts: Record<string, TestHost> = {};
  try {
    await sh('ip', 'netns', 'add', sw);
    await inNs(sw, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    await inNs(sw, 'ip', 'link', 'set', 'br0', 'up');
    const attach = async (hostEnd: string, switchEnd: string) => {
      await sh('ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', switchEnd);
      await sh('ip', 'link', 'set', switchEnd, 'netns', sw);
      await inNs(sw, 'ip', 'link', 'set', switchEnd, 'master', 'br0');
      await inNs(sw, 'ip', 'link', 'set', switchEnd, 'up');
    };
    await attach(rootLink, `${id}rs`);
    await sh('ip', 'addr', 'add', `${subnet}.1/24`, 'dev', rootLink);
    await sh('ip', 'link', 'set', rootLink, 'up');
    for (const [i, name] of hostNames.entries()) {
      const ns = `${id}-${name}`;
      const ip = `${subnet}.${i + 2}`;
      await sh('ip', 'netns', 'add', ns);
      namespaces.push(ns);
      await attach(`${id}h${i}`, `${id}s${i}`);
      await sh('ip', 'link', 'set', `${id}h${i}`, 'netns', ns);
      await inNs(ns, 'ip', 'link', 'set', `${id}h${i}`, 'name', 'eth0');
      await inNs(ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      await inNs(ns, 'ip', 'link', 'set', 'eth0', 'up');
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
      await inNs(ns, 'nft', 'add table inet jfault');
      await inNs(ns, 'nft', 'add chain inet jfault in { type filter hook input priority 0 ; }');
      await inNs(ns, 'nft', 'add chain inet jfault out { type filter hook output priority 0 ; }');
      hosts[name] = { name, netns: ns, ip, wrap: ['ip', 'netns', 'exec', ns] };
    }
    log(`test network ${subnet}.0/24: ${hostNames.map((n) => `${n} ${hosts[n]!.ip}`).join(', ')}`);
  } catch (err) {
    await destroy();
    throw err;
  }
  const host = (name: string) => {
    const h = hosts[name];
    if (h === undefined) throw new Error(`no host ${name}`);
    return h;
  };
  const rules = async (a: string, toIp: string, verdict: string) => {
    const ns = host(a).netns;
    await inNs(ns, 'nft', `add rule inet jfault out ip daddr ${toIp} ${verdict}`);
    await inNs(ns, 'nft', `add rule inet jfault in ip saddr ${toIp} ${verdict}`);
  };
  return {
    hosts,
    runnerIp: `${subnet}.1`,
    partition: (a, toIp) => rules(a, toIp, 'drop'),
    loss: (a, toIp, percent) => rules(a, toIp, `numgen random mod 100 < ${Math.round(percent)} drop`),
    async throttle(a, rate) {
      await inNs(
        host(a).netns,
        'tc',
        'qdisc',
        'replace',
        'dev',
        'eth0',
        'root',
        'tbf',
        'rate',
        rate,
        'burst',
        '4kb',
        'latency',
        '2s',
      );
    },
    async heal(a) {
      const ns = host(a).netns;
      await inNs(ns, 'nft', 'flush chain inet jfault in');
      await inNs(ns, 'nft', 'flush chain inet jfault out');
      await inNs(ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root').catch(() => undefined);
    },
    destroy,
  };
}

/** Namespaces `jn<pid>x…` of processes that are gone, with their root-side links. */
async function removeStale(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const stale = new Set<string>();
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = /^jn(\d+)x\d+-/.exec(name);
    if (match === null) continue;
    try {
      process.kill(Number(match[1]), 0);
    } catch {
      stale.add(name);
    }
  }
  for (const ns of stale) {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    const link = `${ns.slice(0, ns.indexOf('-'))}r`;
    await run('ip', ['link', 'del', link]).catch(() => undefined);
  }
}

/** A 10.x.y.0/24 that no route of the root namespace uses. */
async function freeSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', 'route', 'show']);
  for (let attempt = 0; attempt < 100; attempt++) {
    const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!stdout.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.x.y.0/24 for the test network');
}
