import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's Firefox ESR (`apt-get install firefox-esr`, as .ci/run does); never a downloaded browser. */
export const FIREFOX = '/usr/bin/firefox-esr';

export interface HeadlessFirefox {
  page: Page;
  close(): Promise<void>;
}

/**
 * A real headless Firefox, driven over WebDriver BiDi by puppeteer-core.
 * (playwright-core drives only its own patched Firefox build; over BiDi it
 * asks Firefox ESR for commands ESR does not have, so it cannot.) Each
 * launch gets a fresh profile, removed on close.
 */
export async function launchFirefox(): Promise<HeadlessFirefox> {
  const browser: Browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    defaultViewport: { width: 1400, height: 1000 },
  });
  const page = await browser.newPage();
  return { page, close: () => browser.close() };
}
