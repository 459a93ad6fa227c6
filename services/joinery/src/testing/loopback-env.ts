/**
 * The environment a test starts the embedded stack with: its data in `dataDir`, the API and the BI listener on
 * loopback with ports the OS picks (read them from RunningEmbedded), and a cheap password hash so logins are fast.
 * `extra` adds or overrides settings.
 */
export function loopbackEmbeddedEnv(
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    JOINERY_DATA_DIR: dataDir,
    JOINERY_API_HOST: '127.0.0.1',
    JOINERY_API_PORT: '0',
    JOINERY_BI_HOST: '127.0.0.1',
    JOINERY_BI_PORT: '0',
    JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
    ...extra,
  };
}
