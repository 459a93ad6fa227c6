import { request } from 'node:http';
import { existsSync } from 'node:fs';

export interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** Where the Docker engine API is, from DOCKER_HOST (unix:// or tcp://) or the default socket. */
export function dockerEndpoint(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DockerEndpoint | undefined {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
    const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?/.exec(dockerHost);
    if (tcp?.[1]) return { host: tcp[1], port: Number(tcp[2] ?? 2375) };
    return undefined;
  }
  const socketPath = '/var/run/docker.sock';
  return existsSync(socketPath) ? { socketPath } : undefined;
}

/** The host where containers' published ports are reachable. */
export function dockerHostAddress(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const endpoint = dockerEndpoint(env);
  return endpoint?.host ?? '127.0.0.1';
}

/**
 * Whether a Docker engine answers `GET /_ping` within `timeoutMs`. Bounded so that machines without Docker (or with
 * a CLI but no daemon) fall through to the local binaries at once. `JOINERY_TEST_DOCKER=0` skips Docker entirely.
 * TLS-protected TCP engines (DOCKER_TLS_VERIFY) are not probed and count as absent.
 */
export function dockerAvailable(
  timeoutMs = 1_500,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  if (env.JOINERY_TEST_DOCKER === '0' || env.DOCKER_TLS_VERIFY) return Promise.resolve(false);
  const endpoint = dockerEndpoint(env);
  if (!endpoint) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
