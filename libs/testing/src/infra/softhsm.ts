import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { infraErrors } from './errors.js';
import { removeOnCrash } from './managed-process.js';
import { nothingToStop, type StartContext, type Started } from './started.js';
import { ensureExecutable } from './system-packages.js';

const execFileAsync = promisify(execFile);

export const softHsmTokenLabel = 'joinery-test';

/** Where distributions put the SoftHSM2 PKCS#11 module. */
export const softHsmModuleCandidates = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/lib/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
] as const;

/** A SoftHSM2 configuration that keeps its tokens as files in `tokenDir`, away from the system's tokens. */
export function renderSoftHsmConf(tokenDir: string): string {
  return [
    '# written by libs/testing/src/infra/softhsm.ts',
    `directories.tokendir = ${tokenDir}`,
    'objectstore.backend = file',
    'log.level = ERROR',
    'slots.removable = false',
    '',
  ].join('\n');
}

/** The slot id from `softhsm2-util --init-token` output: "… is reassigned to slot 1234567". */
export function parseReassignedSlot(output: string): number | undefined {
  const match = /reassigned to slot (\d+)/.exec(output);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The slot holding the token labelled `label` in `softhsm2-util --show-slots` output. */
export function parseSlotByLabel(output: string, label: string): number | undefined {
  for (const block of output.split(/^(?=Slot \d+)/m)) {
    const slot = /^Slot (\d+)/.exec(block);
    const tokenLabel = /^\s*Label:\s*(.*?)\s*$/m.exec(block);
    if (slot?.[1] !== undefined && tokenLabel?.[1] === label) return Number(slot[1]);
  }
  return undefined;
}

/** The first existing module path, trying the known locations and then the files of the Debian packages. */
export async function findSoftHsmModule(
  exists: (path: string) => boolean = existsSync,
): Promise<string | undefined> {
  const known = softHsmModuleCandidates.find((p) => exists(p));
  if (known) return known;
  for (const pkg of ['libsofthsm2', 'softhsm2']) {
    try {
      const { stdout } = await execFileAsync('dpkg', ['-L', pkg]);
      const found = stdout.split('\n').find((line) => line.endsWith('/libsofthsm2.so') && exists(line));
      if (found) return found;
    } catch {
      // not a Debian system, or not installed
    }
  }
  return undefined;
}

/** SoftHSM2 from PKCS11_MODULE + PKCS11_SLOT + PKCS11_PIN, else a fresh token in a temp dir. */
export async function startSoftHsm(ctx: StartContext): Promise<Started> {
  const { PKCS11_MODULE: module, PKCS11_SLOT: slot, PKCS11_PIN: pin } = ctx.env;
  if (module && slot && pin) {
    if (!existsSync(module)) {
      throw infraErrors.infra_unavailable({ var: 'PKCS11_MODULE' }, `PKCS11_MODULE=${module} does not exist`);
    }
    const env: Record<string, string> = { PKCS11_MODULE: module, PKCS11_SLOT: slot, PKCS11_PIN: pin };
    if (ctx.env.PKCS11_TOKEN_LABEL) env.PKCS11_TOKEN_LABEL = ctx.env.PKCS11_TOKEN_LABEL;
    if (ctx.env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = ctx.env.SOFTHSM2_CONF;
    ctx.log(`softhsm2: using PKCS11_MODULE ${module}, slot ${slot}`);
    return { env, stop: nothingToStop };
  }
  const util = await ensureExecutable(
    {
      purpose: 'SoftHSM2',
      binary: 'softhsm2-util',
      debianPackage: 'softhsm2',
      otherwise: 'from https://github.com/opendnssec/SoftHSMv2 (macOS: `brew install softhsm`)',
    },
    ctx.log,
  );
  const modulePath = await findSoftHsmModule();
  if (!modulePath) {
    throw infraErrors.prerequisite_missing(
      { package: 'softhsm2' },
      `SoftHSM2 is installed (${util}) but its PKCS#11 module libsofthsm2.so was not found in ${softHsmModuleCandidates.join(', ')}; ` +
        'reinstall it with `sudo apt-get install --reinstall -y softhsm2 libsofthsm2`, or set PKCS11_MODULE, PKCS11_SLOT and PKCS11_PIN',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'joinery-softhsm-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const unregister = removeOnCrash(dir);
  try {
    const tokenDir = join(dir, 'tokens');
    mkdirSync(tokenDir, { mode: 0o700 });
    const conf = join(dir, 'softhsm2.conf');
    writeFileSync(conf, renderSoftHsmConf(tokenDir));
    const userPin = randomBytes(8).toString('hex');
    const soPin = randomBytes(8).toString('hex');
    const env = { ...process.env, SOFTHSM2_CONF: conf };
    const init = await execFileAsync(
      util,
      ['--init-token', '--free', '--label', softHsmTokenLabel, '--pin', userPin, '--so-pin', soPin],
      { env, timeout: 30_000 },
    ).catch((err: unknown) => {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw infraErrors.infra_unavailable(
        { step: 'softhsm2-util --init-token' },
        `softhsm2-util --init-token failed: ${stderr.trim()}`,
        err,
      );
    });
    let slotId = parseReassignedSlot(`${init.stdout}\n${init.stderr}`);
    if (slotId === undefined) {
      const slots = await execFileAsync(util, ['--show-slots'], { env, timeout: 30_000 });
      slotId = parseSlotByLabel(slots.stdout, softHsmTokenLabel);
    }
    if (slotId === undefined) {
      throw infraErrors.infra_unavailable(
        { step: 'softhsm2-util --show-slots' },
        `could not find the slot of the new SoftHSM2 token: ${init.stdout.trim()}`,
      );
    }
    ctx.log(`softhsm2: token ${softHsmTokenLabel} in slot ${slotId} (${modulePath})`);
    return {
      env: {
        PKCS11_MODULE: modulePath,
        PKCS11_SLOT: String(slotId),
        PKCS11_PIN: userPin,
        PKCS11_TOKEN_LABEL: softHsmTokenLabel,
        SOFTHSM2_CONF: conf,
      },
      stop: async () => {
        removeDir();
        unregister();
      },
    };
  } catch (err) {
    removeDir();
    unregister();
    throw err;
  }
}
