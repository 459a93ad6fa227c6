// What to do next, per error code of the API: shown under the error's own message.

const hints: Record<string, string> = {
  unauthenticated: 'Your session ended or the token is not valid: log in again.',
  invalid_credentials:
    'Check the email address and password. Forgot it? Ask an account admin to invite you again.',
  rate_limited: 'Too many attempts: wait a moment, then try again.',
  forbidden: 'Your role cannot do this: ask an admin of the account.',
  insufficient_scope: 'This API key does not have the scope for this: create a key with that scope.',
  csrf_failed: 'The page is out of date: reload it and try again.',
  account_required: 'Choose an account in the account switcher first.',
  unknown_account: 'You are not a member of that account: choose another one.',
  unknown_device:
    'Check the DevEUI (16 hex digits, as printed on the device). If it is right, ask the manufacturer whether the device was imported into Joinery.',
  wrong_claim_code:
    'Check the claim code printed with the device (case matters). Repeated wrong codes are rate-limited.',
  already_claimed: 'Another account holds this device: its owner must unclaim it first.',
  unknown_network_server:
    'Register the network server first (Network servers → Register), or pick another one.',
  invalid_request: 'Correct the field named in the message and send again.',
  invalid_batch: 'Fix the row named in the message; nothing was imported.',
  last_admin: 'An account keeps at least one admin: make someone else admin first.',
  bundle_gone:
    'The bundle can be downloaded once and expires after an hour: rotate the credentials to get a new one.',
  billing_unavailable: 'The billing service is not reachable: try again in a minute, or ask the operator.',
  not_found: 'This Joinery does not have that (or no longer): check the address, or update Joinery.',
};

export function hintFor(code: string): string | undefined {
  return hints[code];
}
