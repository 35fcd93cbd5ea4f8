// The demo chat's static site: the page, the SDK's browser bundle and a config with the demo users'
// tokens, written into one directory that the front door serves at /demo/ (FRONT_DOOR_DEMO_DIR).
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const PAGES = ['index.html', 'chat.js', 'chat.css'];

/**
 * Writes the demo into `outDir`. `config`: `{appID, channelID, users: [{clientID, name, token}]}`;
 * the page connects to its own origin (the front door). Needs the built SDK (`nx run client:build`).
 */
export function writeDemoSite(outDir, config, root = join(HERE, '..', '..')) {
  const bundle = join(root, 'dist/libs/client/browser/channels-client.global.js');
  if (!existsSync(bundle))
    throw new Error(`${bundle} is missing: build the client SDK first (npx nx run client:build)`);
  mkdirSync(outDir, { recursive: true });
  for (const file of PAGES) copyFileSync(join(HERE, file), join(outDir, file));
  copyFileSync(bundle, join(outDir, 'channels-client.js'));
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(config, null, 2));
  return outDir;
}
