// Walks the Incubator console in real Chromium (Debian's, driven by playwright-core), each role's main path. A member
// signs in, sees the home page, filters jobs, opens a running job and watches its output arrive live, submits a
// pretraining run from the template form and watches its metrics drawn live, browses a model, asks for a gated
// dataset; its steward approves; the member downloads it, switches to Chinese, checks the phone layout and signs out.
// An operator sees the cluster, awards a grant and verifies an audit export in the browser (and sees a tampered one
// refused); a reviewer votes with a comment and conditions. Every page is
// checked for the accessibility basics (labels, contrast, no overflow); another organisation's member gets 404 on each
// of the first's pages. Prints one JSON line per step; the last is {"step":"done"}.
//
// Environment: CONSOLE_URL, MEMBER_TOKEN, OUTSIDER_TOKEN, STEWARD_TOKEN, OPERATOR_TOKEN, REVIEWER_TOKEN, ORG, JOB (a
// running job that prints a line a second), REVIEW (an open review), SCREENSHOTS (a folder), CHROMIUM (default
// /usr/bin/chromium). The hub holds datasets/ORG/corpus, models/ORG/tiny and the gated datasets/commons/dialogues.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';

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

/** A fresh browser signed in with a token through the sign-in form. */
async function signedIn(token) {
  const browserContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const tab = await browserContext.newPage();
  await tab.goto(`${base}/console/sign-in`);
  await tab.fill('#token', token);
  await Promise.all([tab.waitForNavigation(), tab.click('form button[type=submit]')]);
  expect(tab.url().endsWith('/console'), `signed in, home expected, got ${tab.url()}`);
  return tab;
}

/** Submits the form holding the element, waits for the next page, and fails on a problem page. */
async function submit(tab, selector, name) {
  await Promise.all([tab.waitForNavigation(), tab.click(selector)]);
  const problem = (await tab.$$eval('.problem', (found) => found.map((p) => p.textContent.trim()))).join(' ');
  expect(!problem, `${name}: ${problem}`);
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

// Live output: the log follows the job's server-sent events while it runs; new lines arrive without a reload.
const first = (await page.textContent('pre.log')).trim().split('\n').length;
await page.waitForFunction((lines) => document.querySelector('pre.log').textContent.trim().split('\n').length
  > lines, first, { timeout: 20000 });
await checkPage(page, 'job');
await page.screenshot({ path: `${shots}/job.png`, fullPage: true });
say('live-log', { lines: (await page.textContent('pre.log')).trim().split('\n').length });

// A pretraining run from the template form; its metrics are drawn while it runs, without a reload.
const org = process.env.ORG;
await Promise.all([page.waitForNavigation(), page.click('nav >> text=Templates')]);
await checkPage(page, 'templates');
await Promise.all([page.waitForNavigation(), page.click('a[href="/console/templates/pretrain"] >> nth=0')]);
await page.selectOption('#org', org);
await page.fill('[name="param.data"]', `datasets/${org}/corpus`);
await page.fill('[name="param.steps"]', '60');
await page.fill('[name="param.eval_every"]', '30');
await page.fill('[name="param.checkpoint_every"]', '30');
await page.fill('#job-name', 'tiny-from-the-console');
await checkPage(page, 'template');
await page.screenshot({ path: `${shots}/template.png`, fullPage: true });
await submit(page, 'form.card button[type=submit]', 'template submit');
expect(/\/console\/orgs\/[^/]+\/jobs\/job_/.test(page.url()), `the run's page expected, got ${page.url()}`);
expect((await page.textContent('h1')).includes('tiny-from-the-console'), 'the run has the name given');
const drawnAtFirst = await page.$$eval('#metrics svg.chart', (charts) => charts.length);
await page.waitForFunction(() => document.querySelectorAll('#metrics svg.chart').length >= 2
  && document.querySelector('#metrics').textContent.includes('loss'), null, { timeout: 120000 });
// The streams end once the run does; the page then says, without a reload, that it succeeded, and offers to publish.
await page.waitForFunction(() => document.querySelector('#log').dataset.ended === 'true'
  && document.querySelector('#job-live').dataset.ended === 'true', null, { timeout: 180000 });
expect((await page.textContent('h1')).includes('succeeded'), `the run succeeded: ${await page.textContent('main')}`);
expect(await page.$('#publish-to'), 'the publish form appears when the run has succeeded');
await checkPage(page, 'run');
await page.screenshot({ path: `${shots}/run.png`, fullPage: true });
say('template-run', { charts_at_first: drawnAtFirst, charts: await page.$$eval('#metrics svg.chart', (c) => c.length) });

// The run's model: published to the hub from its page, deployed from the hub, and talked to in the playground, where
// the answer streams from the gateway.
await page.fill('#publish-to', `models/${org}/tiny-from-the-console`);
await submit(page, 'form[action$="/publish"] button[type=submit]', 'publish');
expect(page.url().endsWith(`/console/hub/models/${org}/tiny-from-the-console`), `the model's page, got ${page.url()}`);
expect((await page.textContent('main')).includes('model.safetensors'), 'the published weights are listed');
await page.goto(`${base}/console/deployments?model=models/${org}/tiny-from-the-console`);
await page.fill('#replicas', '0..1');
await checkPage(page, 'deployments');
await submit(page, 'form[action="/console/deployments"] button[type=submit]', 'deploy');
expect(page.url().endsWith(`/console/orgs/${org}/deployments/tiny-from-the-console`), `the deployment, got ${page.url()}`);
await page.fill('#prompt', '你好，请介绍一下你自己。');
await page.fill('#max-tokens', '24');
await page.click('#playground button[type=submit]');
await page.waitForFunction(() => document.querySelector('.turn.done') || document.querySelector('#playground-error')
  .textContent, null, { timeout: 180000 });
const chatProblem = await page.textContent('#playground-error');
expect(!chatProblem, `the playground: ${chatProblem}`);
const answered = await page.$$eval('.turn', (turns) => turns[turns.length - 1].textContent);
expect(answered.length > 'Model: '.length, 'the model answered');
await checkPage(page, 'playground');
await page.screenshot({ path: `${shots}/playground.png`, fullPage: true });
say('playground', { answer_chars: answered.length });

// The hub: a model's card and files, then a gated dataset of another organisation, asked for with a purpose.
await page.goto(`${base}/console/hub?kind=model`);
await Promise.all([page.waitForNavigation(), page.click(`a[href="/console/hub/models/${org}/tiny"]`)]);
expect((await page.textContent('main')).includes('A tiny bilingual model.'), 'the model card is shown');
expect((await page.textContent('main')).includes('config.json'), 'the model files are listed');
await checkPage(page, 'repo');
await page.screenshot({ path: `${shots}/repo.png`, fullPage: true });
await page.goto(`${base}/console/hub/datasets/commons/dialogues`);
expect((await page.textContent('main')).includes('for research on dialogue only'), 'the conditions are shown');
const gatedLink = await page.$('a[href*="/download/"][href$="dialogues.txt"]');
expect(gatedLink, 'the gated file is listed');
const gatedHref = await gatedLink.getAttribute('href');
const early = await page.request.get(`${base}${gatedHref}`);
expect(early.status() === 403 && !(await early.text()).includes('你好'), `before an agreement: ${early.status()}`);
await page.fill('#justification', 'Evaluating bilingual dialogue models for the lab tutor project.');
await checkPage(page, 'access request');
await submit(page, 'form[action$="/access-requests"] button[type=submit]', 'access request');
expect((await page.textContent('main')).includes('pending'), 'the request waits for the steward');
await page.screenshot({ path: `${shots}/access-request.png`, fullPage: true });
say('access-request');

// The steward approves it from the dataset's page.
const steward = await signedIn(process.env.STEWARD_TOKEN);
await steward.goto(`${base}/console/hub/datasets/commons/dialogues`);
await checkPage(steward, 'steward');
await steward.screenshot({ path: `${shots}/steward.png`, fullPage: true });
await submit(steward, 'form:has(input[value="approve"]) button[type=submit]', 'approve');
expect((await steward.textContent('main')).includes('approved'), 'the request is approved');
say('steward-approved');

// The member downloads under the agreement.
await page.reload();
const download = await page.$('a[href*="/download/"][href$="dialogues.txt"]');
expect(download, 'a download link once approved');
const file = await page.request.get(`${base}${await download.getAttribute('href')}`);
expect(file.status() === 200 && (await file.text()).includes('你好'), `the download answers ${file.status()}`);
// The member's own list of requests shows the agreement's terms, reached from the navigation.
await page.click('nav a[href="/console/access-requests"]');
await page.waitForURL('**/console/access-requests');
expect((await page.textContent('main')).includes('commons/dialogues'), 'the request is in the member\'s list');
expect((await page.textContent('main')).includes('approved'), 'with its state');
await checkPage(page, 'access requests');
say('gated-download');

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

// ---- an operator: the cluster, and a grant awarded to an organisation
const operator = await signedIn(process.env.OPERATOR_TOKEN);
await Promise.all([operator.waitForNavigation(), operator.click('nav >> text=Cluster')]);
expect(await operator.$('svg.chart'), 'GPUs in use are drawn');
expect((await operator.textContent('main')).includes('Nodes'), 'the nodes are listed');
await checkPage(operator, 'cluster');
await operator.screenshot({ path: `${shots}/cluster.png`, fullPage: true });
await Promise.all([operator.waitForNavigation(), operator.click('nav >> text=Organisations')]);
await checkPage(operator, 'organisations');
await Promise.all([operator.waitForNavigation(), operator.click('a[href="/console/orgs/rivals"]')]);
await operator.fill('#programme', 'Spring compute');
await operator.fill('#gpu-hours', '250');
await operator.fill('#guaranteed', '1');
await checkPage(operator, 'award');
await submit(operator, 'form[action$="/grants"] button[type=submit]', 'award');
expect((await operator.textContent('main')).includes('Spring compute'), 'the grant is shown');
await operator.screenshot({ path: `${shots}/grant.png`, fullPage: true });

// The audit log verified in the browser: the export the page offers checks out; one changed event, or one taken out,
// is named.
await Promise.all([operator.waitForNavigation(), operator.click('nav >> text=Audit')]);
await checkPage(operator, 'audit');
const [exported] = await Promise.all([operator.waitForEvent('download'), operator.click('a[href^="/console/audit/export"]')]);
const bundle = JSON.parse(readFileSync(await exported.path(), 'utf8'));
expect(bundle.entries.length > 5, `the export holds events: ${bundle.entries.length}`);
async function verdictOn(content) {
  await operator.setInputFiles('#export', { name: 'export.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(content)) });
  await operator.click('#audit-verify button[type=submit]');
  await operator.waitForFunction(() => {
    const text = document.querySelector('#audit-verdict').textContent;
    return text && !text.startsWith('Checking');
  }, null, { timeout: 30000 });
  return { text: await operator.textContent('#audit-verdict'), good: await operator.$eval('#audit-verdict',
    (el) => el.className === 'good') };
}
const genuine = await verdictOn(bundle);
expect(genuine.good && genuine.text.includes(`${bundle.entries.length} events verified`), `genuine: ${genuine.text}`);
await operator.screenshot({ path: `${shots}/audit-verified.png`, fullPage: true });
const changed = structuredClone(bundle);
const victim = changed.entries[2];
victim.event.action = 'quietly.rewritten';
const tampered = await verdictOn(changed);
expect(!tampered.good && tampered.text.includes(`Event ${victim.leaf_index} does not match`), `tampered: ${tampered.text}`);
const cut = structuredClone(bundle);
const removed = cut.entries.splice(3, 1)[0];
const shortened = await verdictOn(cut);
expect(!shortened.good && shortened.text.includes(`Event ${removed.leaf_index} is missing`), `cut: ${shortened.text}`);
const forged = structuredClone(bundle);
forged.tree_head.tree_size += 1;
expect(!(await verdictOn(forged)).good, 'a head whose size was changed fails its signature');
say('audit-verified', { events: bundle.entries.length });
say('operator');

// ---- a reviewer: the queue, the dossier, a vote with a comment and conditions
const reviewer = await signedIn(process.env.REVIEWER_TOKEN);
await Promise.all([reviewer.waitForNavigation(), reviewer.click('nav >> text=Reviews')]);
await checkPage(reviewer, 'reviews');
await Promise.all([reviewer.waitForNavigation(), reviewer.click(`a[href="/console/reviews/${process.env.REVIEW}"]`)]);
expect((await reviewer.textContent('main')).includes('A bilingual tutor'), 'the dossier is shown');
await reviewer.selectOption('#choice', 'approve');
await reviewer.fill('#comment', 'Fine for a tutor with a teacher in the loop.');
await reviewer.fill('#conditions', 'a teacher reads every log');
await checkPage(reviewer, 'review');
await submit(reviewer, 'form[action$="/votes"] button[type=submit]', 'vote');
expect((await reviewer.textContent('main')).includes('a teacher reads every log'), 'the vote is shown');
await reviewer.screenshot({ path: `${shots}/review.png`, fullPage: true });
await Promise.all([reviewer.waitForNavigation(), reviewer.click('nav >> text=Leaderboards')]);
expect((await reviewer.textContent('main')).includes('Only comparable records share a board'), 'the boards page');
await checkPage(reviewer, 'leaderboards');
say('reviewer');

// ---- another organisation's member: 404 on every page of the first's data
const outsider = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
await outsider.goto(`${base}/console/sign-in`);
await outsider.fill('#token', process.env.OUTSIDER_TOKEN);
await Promise.all([outsider.waitForNavigation(), outsider.click('form button[type=submit]')]);
for (const path of [`/console/jobs?org=${process.env.ORG}`, `/console/orgs/${process.env.ORG}/jobs/${process.env.JOB}`,
  `/console/orgs/${process.env.ORG}/jobs/${process.env.JOB}/events`,
  `/console/orgs/${process.env.ORG}/jobs/${process.env.JOB}/log/events`]) {
  const response = await outsider.goto(`${base}${path}`);
  expect(response.status() === 404, `${path} should answer 404 to an outsider, got ${response.status()}`);
  expect(!(await outsider.textContent('body')).includes('tick'), `${path} shows nothing of the job`);
}
await outsider.screenshot({ path: `${shots}/not-found.png` });
say('outsider');

await browser.close();
say('done');
