// The status page in headless Chromium, against a real origin and a real floodgate: the page
// renders its components, an incident appears within 5 s of the origin's kill -9 and resolves
// after it returns (seen by the page's own refresh), the charts are drawn, and screenshots
// (light, dark, phone width) are saved under build/test-artifacts/.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = process.env.FLOODGATE_BIN || join(root, 'build/release/floodgate');
const artifacts = process.env.ARTIFACTS_DIR || join(root, 'build/test-artifacts');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'floodgate-browser-'));
const children = [];

// Starts `floodgate ARGS` and resolves with the first match of `pattern` in its stdout.
function start(args, pattern) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args.join(' ')}: no ${pattern}\n${out}\n${err}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) { clearTimeout(timer); ok({ child, match: m, output: () => out }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${args[0]} exited ${code}\n${out}\n${err}`)); });
  });
}

async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser;
let trafficTimer;
try {
  const origin = await start(['origin', '--listen', '127.0.0.1:0'], /origin listening on 127\.0\.0\.1:(\d+)/);
  const originPort = origin.match[1];
  const config = join(work, 'floodgate.yaml');
  writeFileSync(config, [
    'listeners: [{ address: 127.0.0.1:0, workers: 1 }]',
    `clusters: [{ name: api, endpoints: [127.0.0.1:${originPort}] }]`,
    'status:',
    '  listen: 127.0.0.1:0',
    '  title: Acme',
    `  database: ${join(work, 'status.db')}`,
    '  worse_after: 2s',
    '  better_after: 2s',
    '  resolve_after: 3s',
    '  components: [{ name: API, description: The public API, clusters: [api] }]',
    '',
  ].join('\n'));
  // The status page binds before the proxy's listeners: wait for the last line, read both.
  const gateway = await start(['run', '-c', config], /floodgate listening on 127\.0\.0\.1:(\d+)/);
  const gatewayPort = gateway.match[1];
  const statusUrl = gateway.output().match(/status page on (http:\/\/127\.0\.0\.1:\d+)/)[1];

  // A little legitimate traffic through the gateway, bounded: the charts have something to draw.
  let sent = 0;
  trafficTimer = setInterval(() => {
    if (sent >= 2000) return;
    sent += 5;
    for (let i = 0; i < 5; ++i) fetch(`http://127.0.0.1:${gatewayPort}/`).catch(() => null);
  }, 200);

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(statusUrl, { waitUntil: 'load' });
  assert.equal(await page.title(), 'Acme status');
  assert.equal(await page.locator('#component-api').getAttribute('data-status'), 'operational');
  assert.match(await page.locator('#component-api').innerText(), /API/);
  assert.equal(await page.locator('#component-api .bars span').count(), 90);
  assert.match(await page.locator('#overall').innerText(), /All Systems Operational/);

  // The charts: drawn by the page's script from /api/live.json, with more than one point.
  await waitFor('the charts to be drawn', 10000, async () => {
    const drawn = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({
      n: Number(s.getAttribute('data-drawn') || 0), d: s.querySelector('path').getAttribute('d') })));
    return drawn.length === 4 && drawn.every((c) => c.n >= 2 && /L/.test(c.d));
  });
  await page.screenshot({ path: join(artifacts, 'status-light.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(darkBg, 'rgb(246, 247, 249)', 'dark mode changes the background');
  await page.screenshot({ path: join(artifacts, 'status-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  // Kill the origin: the server says "incident" within 5 s (the page reloaded as a reader would).
  const killedAt = Date.now();
  origin.child.kill('SIGKILL');
  const seen = await waitFor('an incident on the page', 5000, async () => {
    await page.reload({ waitUntil: 'load' });
    return (await page.locator('#incidents .incident').count()) > 0;
  });
  console.log(`incident on the page ${seen - killedAt} ms after kill -9 of the origin`);
  // The first reading may be a partial outage (a second of mixed 502s and successes); it
  // escalates to a major one as the seconds agree.
  assert.match(await page.locator('#incidents .incident').first().innerText(), /outage of API/);
  await waitFor('a major outage', 5000, async () => {
    await page.reload({ waitUntil: 'load' });
    return (await page.locator('#component-api').getAttribute('data-status')) === 'major_outage';
  });
  assert.match(await page.locator('#incidents .incident').first().innerText(), /Major outage of API/);
  await page.screenshot({ path: join(artifacts, 'status-incident.png'), fullPage: true });

  // Phone width, during the incident.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
  const phonePage = await phone.newPage();
  await phonePage.goto(statusUrl, { waitUntil: 'load' });
  const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page fits a phone (overflows by ${overflow} px)`);
  await phonePage.screenshot({ path: join(artifacts, 'status-phone.png'), fullPage: true });

  // The origin returns: the page's own refresh (no reload) shows the incident resolved.
  await start(['origin', '--listen', `127.0.0.1:${originPort}`], /origin listening on/);
  const resolvedAt = await waitFor('the incident to resolve on the live page', 20000, async () => {
    const active = await page.locator('#incidents .incident').count();
    const past = await page.locator('#past .incident[data-status="resolved"]').count();
    return active === 0 && past > 0;
  });
  console.log(`resolved on the live page ${resolvedAt - killedAt} ms after the kill`);
  assert.equal(await page.locator('#component-api').getAttribute('data-status'), 'operational');
  const timeline = await page.locator('#past .incident .timeline li').allInnerTexts();
  assert.ok(timeline.some((t) => t.startsWith('resolved')), timeline.join('\n'));
  assert.ok(timeline.some((t) => t.startsWith('investigating')), timeline.join('\n'));
  await page.screenshot({ path: join(artifacts, 'status-resolved.png'), fullPage: true });
  console.log(`status page browser test passed; screenshots in ${artifacts}`);
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  clearInterval(trafficTimer);
  if (browser) await browser.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
