import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ensurePrivateDirectory, makePrivateIfExists, PRIVATE_FILE_MODE } from '../private-files';
import { generateVaultKeyText, parseVaultKey, TokenVault } from './token-vault';

/** In the data folder, when RELAYDESK_SECRET_KEY is not set (the doctor checks its mode by this name too). */
export const GENERATED_KEY_FILE = 'secret.key';

/**
 * The token vault with the configured keys. Without RELAYDESK_SECRET_KEY (allowed outside production) a key
 * is generated once into the data folder, readable by the owner only, and a warning says so: losing that file
 * means every linked mailbox must be re-authorized.
 */
export function openTokenVault(config: Config, logger: Logger): TokenVault {
  if (config.secretKeys) {
    return new TokenVault(parseVaultKey(config.secretKeys.current), config.secretKeys.previous.map(parseVaultKey));
  }
  const file = path.join(config.dataDir, GENERATED_KEY_FILE);
  ensurePrivateDirectory(config.dataDir);
  if (!fs.existsSync(file)) {
    try {
      fs.writeFileSync(file, `${generateVaultKeyText()}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    } catch (error) {
      // Another instance starting on the same data folder wrote it first; use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  // A key file written by an older version (or copied in) may be readable by others.
  makePrivateIfExists(file);
  logger.warn({ file }, 'RELAYDESK_SECRET_KEY is not set: mailbox tokens are encrypted with a key generated in the data folder; set RELAYDESK_SECRET_KEY in production');
  return new TokenVault(parseVaultKey(fs.readFileSync(file, 'utf8')));
}
