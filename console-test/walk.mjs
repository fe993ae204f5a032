// Walks the Incubator console in real Chromium (Debian's, driven by playwright-core): a member signs in, sees the
// home page, filters jobs, opens a running job and watches its output arrive live, switches to Chinese, checks the
// accessibility basics (labels, keyboard, contrast) at 1280x800 and on a phone, signs out; another organisation's
// member gets 404 on each of the first's pages. Prints one JSON line per step; the last is {"step":"done"}.
//
// Environment: CONSOLE_URL, MEMBER_TOKEN, OUTSIDER_TOKEN, ORG, JOB (a running job that prints a line a second),
// SCREENSHOTS (a folder), CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = process.env.CONSOLE_URL.replace(/\/$/, '');
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });
const say = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));
const fail = (message) => { console.log(JSON.stringify({ step: 'failed', message })); process.exit(1); };
const expect = (condition, message) => { if (!condition) fail(message); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

/** WCAG contrast ratio of an element's text against the first opaque background up its ancestors. */
async function contrast(page, selector) {
  return page.$eval(selector, (element) => {
    const parse = (text) => (text.match(/[\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
      const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    let node = element;
    let background = null;
    while (node && node.nodeType === 1) {
      const value = parse(getComputedStyle(node).backgroundColor);
      if (value.length >= 3 && (value.length < 4 || value[3] > 0.9)) { background = value; break; }
      node = node.parentElement;
    }
    background = background || [255, 255, 255];
    const [a, b] = [luminance(parse(getComputedStyle(element).color)), luminance(background)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

/** Every visible form field has a label (a <label for>, aria-label or aria-labelledby). */
async function unlabelled(page) {
  return page.$$eval('input:not([type=hidden]), select, textarea', (fields) => fields.filter((field) => {
    const id = field.getAttribute('id');
    return !(id && document.querySelector(`label[for="${id}"]`)) && !field.getAttribute('aria-label')
      && !field.getAttribute('aria-labelledby');
  }).map((field) => field.outerHTML));
}

async function checkPage(page, name) {
  const missing = await unlabelled(page);
  expect(missing.length === 0, `${name}: fields without a label: ${missing.join(' ')}`);
  for (const selector of ['body', 'a', 'button', 'th']) {
    if (await page.$(selector)) {
      const ratio = await contrast(page, selector);
      expect(ratio >= 4.5, `${name}: contrast of ${selector} is ${ratio.toFixed(2)}, below 4.5`);
    }
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow <= 1, `${name}: the page is ${overflow}px wider than the viewport`);
}

// ---- the member, at 1280x800
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
const page = await context.newPage();
await page.goto(`${base}/`);
expect(page.url().endsWith('/console/sign-in'), `/ should lead to the sign-in page, got ${page.url()}`);
await checkPage(page, 'sign-in');
// Keyboard: the first Tab reaches the skip link, then the form is filled and sent without a mouse.
await page.keyboard.press('Tab');
expect(await page.evaluate(() => document.activeElement.className) === 'skip', 'the first Tab reaches the skip link');
await page.focus('#token');
await page.keyboard.type(process.env.MEMBER_TOKEN);
await page.screenshot({ path: `${shots}/sign-in.png` });
await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
expect(page.url().endsWith('/console'), `signed in, home expected, got ${page.url()}`);
const home = await page.textContent('main');
expect(home.includes(process.env.ORG) && home.includes('GPU-hours'), 'home shows the organisation and its grant');
await checkPage(page, 'home');
await page.screenshot({ path: `${shots}/home.png`, fullPage: true });
say('home');

await page.click('nav >> text=Jobs');
await page.selectOption('#state', 'running');
await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
expect(page.url().includes('state=running'), 'the filter is in the address');
await checkPage(page, 'jobs');
await page.screenshot({ path: `${shots}/jobs.png`, fullPage: true });
const link = await page.$(`a[href$="/jobs/${process.env.JOB}"]`);
expect(link, 'the running job is listed');
await Promise.all([page.waitForNavigation(), link.click()]);
say('jobs');

// Live output: htmx polls the log while the job runs; new lines arrive without a reload.
const first = (await page.textContent('pre.log')).trim().split('\n').length;
await page.waitForFunction((lines) => document.querySelector('pre.log').textContent.trim().split('\n').length
  > lines, first, { timeout: 20000 });
await checkPage(page, 'job');
await page.screenshot({ path: `${shots}/job.png`, fullPage: true });
say('live-log', { lines: (await page.textContent('pre.log')).trim().split('\n').length });

// Chinese, switched from the header; the choice sticks.
await Promise.all([page.waitForNavigation(), page.click('a.lang')]);
expect(await page.getAttribute('html', 'lang') === 'zh', 'the page is in Chinese');
expect((await page.textContent('header')).includes('作业'), 'the navigation is in Chinese');
await page.goto(`${base}/console`);
expect((await page.textContent('h1')).includes('您的组织'), 'the home page stays in Chinese');
await page.screenshot({ path: `${shots}/home-zh.png`, fullPage: true });
say('chinese');

// A phone-sized viewport: nothing wider than the screen.
const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  storageState: await context.storageState() });
const small = await phone.newPage();
for (const path of ['/console', `/console/jobs?org=${process.env.ORG}`, `/console/orgs/${process.env.ORG}/jobs/${process.env.JOB}`]) {
  await small.goto(`${base}${path}`);
  await checkPage(small, `phone ${path}`);
}
await small.screenshot({ path: `${shots}/job-phone.png`, fullPage: true });
say('phone');

// Sign out: the session is revoked, the next page asks to sign in again.
await Promise.all([page.waitForNavigation(), page.click('header button.link')]);
expect(page.url().endsWith('/console/sign-in'), 'signed out');
await page.goto(`${base}/console`);
expect(page.url().endsWith('/console/sign-in'), 'the session is gone');
await small.goto(`${base}/console`);
expect(small.url().endsWith('/console/sign-in'), 'the same session on the phone is gone too');
say('signed-out');

// ---- another organisation's member: 404 on every page of the first's data
const outsider = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
await outsider.goto(`${base}/console/sign-in`);
await outsider.fill('#token', process.env.OUTSIDER_TOKEN);
await Promise.all([outsider.waitForNavigation(), outsider.click('form button[type=submit]')]);
for (const path of [`/console/jobs?org=${process.env.ORG}`, `/console/orgs/${process.env.ORG}/jobs/${process.env.JOB}`,
  `/console/orgs/${process.env.ORG}/jobs/${process.env.JOB}/log`]) {
  const response = await outsider.goto(`${base}${path}`);
  expect(response.status() === 404, `${path} should answer 404 to an outsider, got ${response.status()}`);
  expect(!(await outsider.textContent('body')).includes('tick'), `${path} shows nothing of the job`);
}
await outsider.screenshot({ path: `${shots}/not-found.png` });
say('outsider');

await browser.close();
say('done');
