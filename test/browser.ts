/**
 * The browser the dashboard tests drive: Debian's Chromium through playwright-core (Playwright's own
 * browser download cannot work offline). Installed with apt when missing and this is root;
 * otherwise the tests fail with what to install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function ensureChromium(say: (line: string) => void): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `Chromium is needed at ${CHROMIUM} for the dashboard's browser tests: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  say('installing Chromium (apt-get install chromium) for the browser tests ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], {
    stdio: 'ignore',
    env,
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt installed chromium but ${CHROMIUM} is not there`);
  return CHROMIUM;
}
