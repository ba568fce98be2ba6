// Browser end-to-end test of the dashboard and of the compatible pages,
// in Debian's chromium driven by playwright-core. Run by
// tests/integration/test_dashboard.py against a real supervisord:
//   node tests/browser/dashboard.mjs http://127.0.0.1:PORT ARTIFACT_DIR
// The daemon's config is the test's (programs grp:b, nofile, quick,
// sleepy). Prints "ok <step>" per step; on failure prints the error, saves
// a screenshot in ARTIFACT_DIR and exits 1. Every wait is on a condition,
// with a generous deadline.
import { chromium } from 'playwright-core';

const base = process.argv[2];
const artifacts = process.argv[3] || '.';
const WAIT = 30000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
  timeout: 60000,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(WAIT);
const page = await context.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push('page error: ' + e.message));

let step = 'start';
function ok(name) {
  console.log('ok ' + name);
}

const row = (ns) => `tr[data-ns="${ns}"]`;
async function rowState(ns, state) {
  await page.waitForFunction(
    ([sel, st]) => {
      const tr = document.querySelector(sel);
      return tr && tr.dataset.state === st;
    },
    [row(ns), state],
  );
}

try {
  step = 'dashboard loads and goes live';
  await page.goto(base + '/dashboard/');
  await page.waitForSelector('#conn[data-conn="live"]');
  await rowState('grp:b', 'STOPPED');
  await rowState('sleepy', 'RUNNING');
  ok(step);

  step = 'start from the dashboard, state changes live';
  await page.evaluate(() => { window.__noReload = true; });
  await page.click(`${row('grp:b')} button[data-act="start"]`);
  await rowState('grp:b', 'RUNNING');
  await page.waitForSelector(`${row('grp:b')} .result.ok`);
  if (!(await page.evaluate(() => window.__noReload === true))) throw new Error('the page reloaded');
  ok(step);

  step = 'CPU and memory arrive';
  await page.waitForFunction((sel) => {
    const td = document.querySelector(sel + ' td.c-rss');
    return td && /iB|B$/.test(td.textContent);
  }, row('grp:b'));
  ok(step);

  step = 'log follows as it is written';
  await page.click(`${row('grp:b')} button[data-act="log"]`);
  await page.waitForSelector('#logview:not([hidden])');
  await page.waitForFunction(() => /O\d{8} /.test(document.getElementById('log-text').textContent));
  const lastLine = () =>
    page.evaluate(() => {
      const m = document.getElementById('log-text').textContent.match(/O(\d{8}) /g) || [];
      return m.length ? parseInt(m[m.length - 1].slice(1), 10) : -1;
    });
  const first = await lastLine();
  await page.waitForFunction(
    (n) => {
      const m = document.getElementById('log-text').textContent.match(/O(\d{8}) /g) || [];
      return m.length && parseInt(m[m.length - 1].slice(1), 10) >= n + 3;
    },
    first,
  );
  ok(step);

  step = 'log search';
  await page.fill('#log-search', 'O00000002 ');
  await page.waitForFunction(() => document.getElementById('log-matches').textContent === '1 matching line');
  await page.waitForSelector('#log-text mark');
  await page.fill('#log-search', '');
  ok(step);

  step = 'stderr and the main log';
  await page.click('#log-stderr');
  await page.waitForFunction(() => /E\d{8} /.test(document.getElementById('log-text').textContent));
  await page.click('#log-close');
  await page.click('#mainlog');
  await page.waitForFunction(() => /success: b entered RUNNING/.test(document.getElementById('log-text').textContent));
  await page.click('#log-close');
  ok(step);

  step = 'load earlier parts of a log';
  await page.click(`${row('big')} button[data-act="log"]`);
  const logText = () => page.evaluate(() => document.getElementById('log-text').textContent);
  await page.waitForFunction(() => /O00002999 /.test(document.getElementById('log-text').textContent));
  if (/O00000000 /.test(await logText())) throw new Error('the whole log came at once');
  for (let i = 0; i < 10 && !(await page.isDisabled('#log-earlier')); i++) {
    const before = (await logText()).length;
    await page.click('#log-earlier');
    await page.waitForFunction(
      (n) => document.getElementById('log-text').textContent.length > n || document.getElementById('log-earlier').disabled,
      before,
    );
  }
  const all = (await logText()).match(/O\d{8} /g) || [];
  if (all.length !== 3000 || all[0] !== 'O00000000 ' || new Set(all).size !== 3000)
    throw new Error('earlier parts: ' + all.length + ' lines, first ' + all[0]);
  await page.click('#log-close');
  ok(step);

  step = 'clear the logs of a group';
  await page.click('section[data-group="grp"] .group-actions button[data-act="clearlog"]');
  await page.waitForFunction(() => {
    const r = document.querySelector('section[data-group="grp"] .group-head .result.ok');
    return r && r.textContent.includes('logs cleared');
  });
  ok(step);

  step = 'a process that cannot start shows why';
  await page.click(`${row('nofile')} button[data-act="start"]`);
  await page.waitForFunction((sel) => {
    const r = document.querySelector(sel + ' .result.error');
    return r && r.textContent.includes("can't find command") && r.textContent.includes('/nonexistent/binary');
  }, row('nofile'));
  await page.click(`${row('quick')} button[data-act="start"]`);
  await page.waitForFunction((sel) => {
    const r = document.querySelector(sel + ' .result.error');
    return r && r.textContent.includes('SPAWN_ERROR: quick') && r.textContent.includes('Exited too quickly');
  }, row('quick'));
  await rowState('quick', 'FATAL');
  ok(step);

  step = 'filters and collapsible groups';
  await page.fill('#filter-name', 'sleep');
  await page.waitForFunction(() => document.querySelector('tr[data-ns="grp:b"]').closest('section').hidden);
  await page.fill('#filter-name', '');
  await page.selectOption('#filter-state', 'FATAL');
  await page.waitForFunction(
    () => !document.querySelector('tr[data-ns="quick"]').hidden && document.querySelector('tr[data-ns="sleepy"]').closest('section').hidden,
  );
  await page.selectOption('#filter-state', '');
  await page.click('section[data-group="grp"] .toggle');
  await page.waitForSelector('section[data-group="grp"].collapsed');
  if (await page.isVisible(row('grp:b'))) throw new Error('a collapsed group still shows its rows');
  await page.click('section[data-group="grp"] .toggle');
  ok(step);

  step = 'stop from the dashboard';
  await page.click(`${row('grp:b')} button[data-act="stop"]`);
  await rowState('grp:b', 'STOPPED');
  ok(step);

  step = 'compatible status page: start and stop links';
  await page.goto(base + '/index.html');
  const link = (ns, name) => `tr:has(a[href="tail.html?processname=${encodeURIComponent(ns)}"]) a[name="${name}"]`;
  await page.click(link('grp:b', 'Start'));
  await page.waitForFunction(() => {
    const m = document.querySelector('.status_msg');
    return m && m.textContent.startsWith('Process grp:b started');
  });
  if (!/^\/(index\.html)?$/.test(new URL(page.url()).pathname)) throw new Error('not back on the status page: ' + page.url());
  await page.waitForSelector(`tr:has(a[href="tail.html?processname=grp%3Ab"]) .statusrunning`);
  await page.click(link('grp:b', 'Stop'));
  await page.waitForFunction(() => {
    const m = document.querySelector('.status_msg');
    return m && m.textContent.startsWith('Process grp:b stopped');
  });
  ok(step);

  step = 'compatible tail page';
  await page.goto(base + '/tail.html?processname=grp%3Ab');
  const pre = await page.textContent('pre');
  if (!/O\d{8} /.test(pre)) throw new Error('tail.html shows no log: ' + pre.slice(0, 200));
  ok(step);

  if (problems.length) throw new Error(problems.join('; '));
  await browser.close();
  console.log('all ok');
} catch (e) {
  console.log('FAILED at "' + step + '": ' + (e && e.stack ? e.stack : e));
  try {
    await page.screenshot({ path: artifacts + '/dashboard-failure.png', fullPage: true });
    console.log('screenshot: ' + artifacts + '/dashboard-failure.png');
  } catch (e2) { /* the browser may be gone */ }
  await browser.close().catch(() => {});
  process.exit(1);
}
