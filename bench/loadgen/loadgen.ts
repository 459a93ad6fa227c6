// The benchmarks' load generator (bench/loadgen/main.go), built once per checkout and run once per phase.
//
// The benches build their requests in TypeScript (real MICs, increasing DevNonces, protobuf for gRPC), write them to a
// file of length-prefixed records and let the Go program send them: a Node generator spends about as much CPU per
// request as the server it measures, which on a two-core machine is taken from the server.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceDir = fileURLToPath(new URL('.', import.meta.url));

export interface LoadgenReport {
  readonly sent: number;
  readonly ok: number;
  readonly failures: Record<string, number>;
  /** Successful answers per second, first send to last answer. */
  readonly achieved: number;
  readonly elapsedS: number;
  /** Milliseconds; open loop: from the scheduled send time, closed loop: from the actual send. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Open loop: how late the generator sent, p99 (ms). */
  readonly sendLagP99: number;
  /** CPU (user + system) the generator spent in the phase, in ms. */
  readonly cpuMs: number;
}

export type LoadgenTarget =
  | {
      readonly mode: 'http';
      readonly url: string;
      readonly certPem?: string;
      readonly keyPem?: string;
      /** The CA of the server's certificate (https); none for a plain-HTTP listener. */
      readonly caPem?: string;
      readonly bearer?: string;
      readonly conns: number;
      readonly http2?: boolean;
    }
  | {
      readonly mode: 'grpc';
      readonly target: string;
      readonly method: string;
      /** Calls as messages on one joinery.rpc.v1.MuxService stream, as Joinery's services make them. */
      readonly mux?: boolean;
    };

export type LoadgenPhase = (
  { readonly rate: number; readonly seconds: number } | { readonly closed: number; readonly seconds: number }
) & {
  /** Also write every answer as `sent_ms latency_ms failure` to this file (to see when the slow ones came). */
  readonly timeline?: string;
  /** Per-request timeout (the caller's deadline); 30 s unless set. An answer later than this is a `transport error`. */
  readonly timeoutMs?: number;
};

let binary: string | undefined;

/** Builds the generator (Go from the machine, modules from the Go proxy) into ~/.cache/joinery; once per process. */
export function loadgenBinary(): string {
  if (binary !== undefined) return binary;
  const out = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'joinery', 'loadgen');
  mkdirSync(join(out, '..'), { recursive: true });
  try {
    execFileSync('go', ['build', '-o', out, '.'], {
      cwd: sourceDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (err) {
    throw new Error(
      `the load generator (bench/loadgen, Go) did not build: is Go ≥ 1.26 on the PATH? ${(err as Error).message}`,
    );
  }
  binary = out;
  return out;
}

/** Length-prefixed records: 4-byte big-endian length, then the bytes. */
function encodeRecords(requests: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of requests) {
    const bytes = typeof r === 'string' ? Buffer.from(r, 'utf8') : Buffer.from(r);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(bytes.length);
    parts.push(size, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * Sends `requests` (each once, in order) as one phase and returns the generator's report. A closed loop needs more
 * requests than it can send in `seconds`; an open loop needs `rate × seconds`.
 */
export async function runLoadgen(
  target: LoadgenTarget,
  phase: LoadgenPhase,
  requests: readonly (string | Uint8Array)[],
  /** http: the LoRaWAN 1.0.x root key of each request's device; every join-accept is then opened and its MIC checked. */
  verifyKeys?: readonly Uint8Array[],
): Promise<LoadgenReport> {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-loadgen-'));
  try {
    const file = (name: string, content: string | Buffer) => {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };
    const args = [
      '-requests',
      file('requests.bin', encodeRecords(requests)),
      '-duration',
      `${phase.seconds}s`,
      ...('rate' in phase ? ['-rate', String(phase.rate)] : ['-closed', String(phase.closed)]),
      ...(phase.timeline === undefined ? [] : ['-timeline', phase.timeline]),
      ...(phase.timeoutMs === undefined ? [] : ['-timeout', `${phase.timeoutMs}ms`]),
    ];
    if (target.mode === 'http') {
      args.push('-mode', 'http', '-url', target.url);
      if (target.caPem !== undefined) args.push('-ca', file('ca.pem', target.caPem));
      args.push('-conns', String(target.conns));
      if (target.certPem !== undefined && target.keyPem !== undefined)
        args.push('-cert', file('cert.pem', target.certPem), '-key', file('key.pem', target.keyPem));
      if (target.bearer !== undefined) args.push('-bearer', target.bearer);
      if (target.http2 === true) args.push('-h2');
      if (verifyKeys !== undefined) args.push('-verify', file('verify.bin', encodeRecords(verifyKeys)));
    } else {
      args.push('-mode', 'grpc', '-target', target.target, '-method', target.method);
      if (target.mux === true) args.push('-mux');
    }
    const child = spawn(loadgenBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // 'close', not 'exit': the report may still be in the pipe when the process has exited.
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`loadgen exited with ${code}: ${stderr.trim()}`);
    return JSON.parse(stdout) as LoadgenReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The machine's CPU time so far (clock ticks of 10 ms, all cores) from /proc/stat: busy, and stolen by the host. */
export function machineCpuTicks(): { busy: number; steal: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const steal = f[7] ?? 0;
  return { busy: total - idle - steal, steal, total };
}

export interface MeasuredPhase extends LoadgenReport {
  /** Requests not answered with success. */
  readonly errors: number;
  /** CPU per successful answer (ms): the server process, and the generator. */
  readonly serverMs: number;
  readonly generatorMs: number;
  /** Shares of the machine's CPU time (all cores) over the phase: busy, and stolen by the host. */
  readonly busyShare: number;
  readonly stealShare: number;
}

/** `runLoadgen`, with the CPU the server process `serverPid`, the generator and the machine spent on the phase. */
export async function runMeasuredLoadgen(
  target: LoadgenTarget,
  phase: LoadgenPhase,
  requests: readonly (string | Uint8Array)[],
  serverPid: number,
  verifyKeys?: readonly Uint8Array[],
): Promise<MeasuredPhase> {
  const server0 = processCpuSeconds(serverPid);
  const machine0 = machineCpuTicks();
  const r = await runLoadgen(target, phase, requests, verifyKeys);
  const machine1 = machineCpuTicks();
  const joins = Math.max(1, r.ok);
  const ticks = Math.max(1, machine1.total - machine0.total);
  return {
    ...r,
    errors: r.sent - r.ok,
    serverMs: ((processCpuSeconds(serverPid) - server0) * 1000) / joins,
    generatorMs: r.cpuMs / joins,
    busyShare: (machine1.busy - machine0.busy) / ticks,
    stealShare: (machine1.steal - machine0.steal) / ticks,
  };
}
