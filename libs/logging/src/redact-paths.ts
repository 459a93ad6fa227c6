/**
 * Field names whose values are secrets: root and session keys, KEKs, credentials. Both the camelCase spelling used
 * in code and BI JSON and the snake_case spelling used for log fields.
 */
export const secretFieldNames = [
  'key',
  'appKey',
  'nwkKey',
  'appSKey',
  'nwkSKey',
  'fNwkSIntKey',
  'sNwkSIntKey',
  'nwkSEncKey',
  'kek',
  'AESKey',
  'password',
  'pin',
  'token',
  'apiKey',
  'bearerToken',
  'authorization',
  'claimCode',
  'clientKeyPem',
  'app_key',
  'nwk_key',
  'app_s_key',
  'nwk_s_key',
  'f_nwk_s_int_key',
  's_nwk_s_int_key',
  'nwk_s_enc_key',
  'aes_key',
  'api_key',
  'bearer_token',
  'claim_code',
  'client_key_pem',
] as const;

/** What a redacted value is replaced with. */
export const redactionCensor = '[redacted]';

/**
 * pino `redact` paths: every secret name at the top level and one or two levels deep, plus the HTTP request
 * header. Deeper nesting is not redacted, so log flat objects.
 */
export const redactPaths: readonly string[] = [
  ...secretFieldNames.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]),
  'req.headers.authorization',
  'req.headers.cookie',
];
