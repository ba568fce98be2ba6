// Browser end-to-end test of supervisor-console's web UI, in Debian's
// chromium driven by playwright-core. Run by
// tests/integration/test_console_browser.py against a console watching
// real nodes:
//   node tests/browser/console.mjs http://127.0.0.1:PORT ARTIFACT_DIR CONFIG_JSON
// CONFIG_JSON: {"admin": password, "viewer": [name, password],
//   "nodes": {name: [namespec, ...]}, "stopped": [node, ns],
//   "remote": [node, ns], "big": [node, ns], "group": name,
//   "rolling": [[node, ns], ...], "offline": a node never reachable, "slowEnv": environment whose running
//   processes (on "envNodes") take seconds each to start}: remote prints
//   "marker <pid>", then a numbered line every half second; big wrote 3000
//   numbered lines; group is a group on two nodes; rolling: 3 [node, ns]
//   to restart as a selection. Prints "ok <step>" per step; on failure prints
//   the error, saves a screenshot in ARTIFACT_DIR and exits 1. Every wait is
//   on a condition, with a generous deadline.
import { chromium } from 'playwright-core';

const base = process.argv[2];
const artifacts = process.argv[3] || '.';
const cfg = JSON.parse(process.argv[4]);
const WAIT = 30000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
  timeout: 60000,
});
let page = null;
let step = 'start';
const problems = [];

const t0 = Date.now();
function ok(name) {
  console.log('ok ' + name + ' (' + ((Date.now() - t0) / 1000).toFixed(1) + ' s)');
}

/* CONSOLE_SHOTS=1: a screenshot of each view, to look at the layout */
let shots = 0;
async function shot(p, name) {
  if (!process.env.CONSOLE_SHOTS) return;
  await p.screenshot({ path: artifacts + '/shot-' + String(++shots).padStart(2, '0') + '-' + name + '.png', fullPage: true });
}

async function newPage(viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT);
  const p = await context.newPage();
  p.on('pageerror', (e) => problems.push('page error: ' + e.message));
  return p;
}

const row = (node, ns) => `#procs-body tr[data-node="${node}"][data-ns="${ns}"]`;

/* [node, ns] of every row shown, in order */
const shownRows = (p) =>
  p.evaluate(() => [...document.querySelectorAll('#procs-body tr')].map((tr) => [tr.dataset.node, tr.dataset.ns]));

async function waitRows(p, want) {
  const key = (r) => r.join(' ');
  const wantKeys = want.map(key).sort();
  await p.waitForFunction((w) => {
    const got = [...document.querySelectorAll('#procs-body tr')].map((tr) => tr.dataset.node + ' ' + tr.dataset.ns).sort();
    return got.length === w.length && got.every((x, i) => x === w[i]);
  }, wantKeys).catch(async (e) => {
    throw new Error('rows shown: ' + JSON.stringify(await shownRows(p)) + ', want ' + JSON.stringify(want) + ': ' + e.message);
  });
}

async function login(p, user, password) {
  await p.goto(base + '/');
  await p.waitForSelector('#login-form');
  await p.fill('#login-user', user);
  await p.fill('#login-pass', password);
  await p.click('#login-submit');
  await p.waitForSelector('#processes-view:not([hidden])');
}

const allRows = [];
for (const [node, list] of Object.entries(cfg.nodes)) for (const ns of list) allRows.push([node, ns]);

try {
  page = await newPage({ width: 1280, height: 900 });

  step = 'a wrong password is refused';
  await page.goto(base + '/');
  await page.waitForSelector('#login-view:not([hidden])');
  await page.fill('#login-user', 'admin');
  await page.fill('#login-pass', 'not-the-password');
  await page.click('#login-submit');
  await page.waitForFunction(() => /Wrong user name or password/.test(document.getElementById('login-error').textContent));
  ok(step);

  step = 'log in with the printed admin password: every node, every process';
  await login(page, 'admin', cfg.admin);
  await page.waitForFunction((n) => document.querySelectorAll('#nodes li[data-online="yes"]').length === n,
    Object.keys(cfg.nodes).length);
  await waitRows(page, allRows);
  /* a node that never answered: offline, why, never seen */
  const gone = `#nodes li[data-node="${cfg.offline}"][data-online="no"]`;
  await page.waitForSelector(gone);
  const goneText = await page.textContent(gone);
  if (!/offline/.test(goneText) || !/last seen never/.test(goneText) || !/No such file/.test(goneText))
    throw new Error('offline node: ' + goneText);
  if ((await page.textContent('#counts .count-offline')) !== '1 node offline') throw new Error('offline count');
  const whoami = await page.textContent('#whoami');
  if (!/admin \(admin\)/.test(whoami)) throw new Error('whoami: ' + whoami);
  await page.waitForFunction(() => document.getElementById('conn').dataset.conn === 'live');
  await shot(page, 'overview');
  ok(step);

  step = 'counts at a glance';
  const running = allRows.length - 1; /* all but the stopped one */
  await page.waitForFunction((n) => {
    const b = document.querySelector('#counts button[data-state="RUNNING"] .count-n');
    return b && b.textContent === String(n);
  }, running);
  const stoppedCount = await page.textContent('#counts button[data-state="STOPPED"] .count-n');
  const fatalCount = await page.textContent('#counts button[data-state="FATAL"] .count-n');
  if (stoppedCount !== '1' || fatalCount !== '0') throw new Error('counts: stopped ' + stoppedCount + ', fatal ' + fatalCount);
  ok(step);

  step = 'filter by node';
  const firstNode = Object.keys(cfg.nodes)[0];
  await page.selectOption('#f-node', firstNode);
  await waitRows(page, allRows.filter((r) => r[0] === firstNode));
  if (!new URL(page.url()).hash.includes('node=' + firstNode)) throw new Error('hash: ' + page.url());
  ok(step);

  step = 'filter by state (a count is a filter)';
  await page.selectOption('#f-node', '');
  await page.click('#counts button[data-state="STOPPED"]');
  await waitRows(page, [cfg.stopped]);
  if (!new URL(page.url()).hash.includes('state=STOPPED')) throw new Error('hash: ' + page.url());
  await page.click('#counts button[data-state="STOPPED"]');
  await waitRows(page, allRows);
  ok(step);

  step = 'filter by name: a pattern, or text';
  await page.fill('#f-name', 'app_*');
  await waitRows(page, allRows.filter((r) => /^(.*:)?app_[^:]*$/.test(r[1])));
  const remoteName = cfg.remote[1].replace(/^.*:/, '');
  const part = remoteName.slice(1, 4);
  await page.fill('#f-name', part);
  await waitRows(page, allRows.filter((r) => r[1].includes(part)));
  ok(step);

  step = 'filters survive a reload (URL hash)';
  await page.reload();
  await page.waitForSelector('#processes-view:not([hidden])');
  await waitRows(page, allRows.filter((r) => r[1].includes(part)));
  if ((await page.inputValue('#f-name')) !== part) throw new Error('name filter not restored');
  await page.click('#f-clear');
  await waitRows(page, allRows);
  ok(step);

  step = 'restart a process on a remote node: back to RUNNING with a new pid';
  const [rnode, rns] = cfg.remote;
  await page.waitForFunction((sel) => {
    const tr = document.querySelector(sel);
    return tr && tr.dataset.state === 'RUNNING' && tr.dataset.pid;
  }, row(rnode, rns));
  const oldPid = await page.getAttribute(row(rnode, rns), 'data-pid');
  await page.click(`${row(rnode, rns)} button[data-act="restart"]`);
  await page.waitForSelector(`${row(rnode, rns)} .result.ok`);
  await page.waitForFunction(([sel, old]) => {
    const tr = document.querySelector(sel);
    return tr && tr.dataset.state === 'RUNNING' && tr.dataset.pid && tr.dataset.pid !== old;
  }, [row(rnode, rns), oldPid]);
  const newPid = await page.getAttribute(row(rnode, rns), 'data-pid');
  console.log('restarted ' + rnode + ' ' + rns + ': pid ' + oldPid + ' -> ' + newPid);
  ok(step);

  step = 'read its log: the marker line, then a new line followed live';
  await page.click(`${row(rnode, rns)} button[data-act="log"]`);
  await page.waitForSelector('#logview:not([hidden])');
  await page.waitForFunction((pid) => document.getElementById('log-text').textContent.includes('marker ' + pid + '\n'), newPid);
  /* the highest numbered line after the new marker (evaluated in the page) */
  const lastAfterMarker = ([pid, n]) => {
    const t = document.getElementById('log-text').textContent;
    const after = t.slice(t.lastIndexOf('marker ' + pid + '\n'));
    const m = after.match(/O(\d{8}) /g) || [];
    const last = m.length ? parseInt(m[m.length - 1].slice(1), 10) : -1;
    return n === undefined ? last : last > n;
  };
  const seen = await page.evaluate(lastAfterMarker, [newPid]);
  await page.waitForFunction(lastAfterMarker, [newPid, seen]);
  ok(step);

  step = 'search the loaded log: highlight, next and previous';
  await page.fill('#log-search', 'marker ' + newPid);
  await page.waitForSelector('#log-text mark.current');
  await page.waitForFunction(() => /^1 of 1$/.test(document.getElementById('log-matches').textContent));
  await shot(page, 'log-search');
  await page.fill('#log-search', 'O0000000');
  await page.waitForFunction(() => document.querySelectorAll('#log-text mark').length >= 2);
  const before = await page.textContent('#log-matches');
  await page.click('#log-prev');
  const after = await page.textContent('#log-matches');
  if (before === after || !/^\d+ of \d+/.test(after)) throw new Error('prev: ' + before + ' -> ' + after);
  await page.click('#log-next');
  if ((await page.textContent('#log-matches')).split(' ')[0] !== before.split(' ')[0])
    throw new Error('next did not come back: ' + before);
  await page.fill('#log-search', '');
  ok(step);

  step = 'load earlier parts of a log';
  await page.click('#log-close');
  await page.click(`${row(...cfg.big)} button[data-act="log"]`);
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
  const lines = (await logText()).match(/O\d{8} /g) || [];
  if (lines.length !== 3000 || lines[0] !== 'O00000000 ' || new Set(lines).size !== 3000)
    throw new Error('earlier parts: ' + lines.length + ' lines, first ' + lines[0]);
  ok(step);

  step = 'a burst of more than a tail is followed without a gap';
  await page.check('#log-follow');
  await page.click(`${row(...cfg.big)} button[data-act="restart"]`);
  await page.waitForFunction(() => (document.getElementById('log-text').textContent.match(/O\d{8} /g) || []).length >= 6000);
  const twice = (await logText()).match(/O\d{8} /g) || [];
  const again = twice.slice(3000);
  if (twice.length !== 6000 || again.some((x, i) => x !== 'O' + String(i).padStart(8, '0') + ' '))
    throw new Error('the second run: ' + again.length + ' lines, ' + again.slice(0, 3).join(','));
  if (/skipped/.test(await page.textContent('#log-status'))) throw new Error(await page.textContent('#log-status'));
  ok(step);

  step = 'stderr tab and closing the log';
  await page.click('#log-stderr');
  await page.waitForFunction(() => document.getElementById('logview').dataset.stream === 'stderr');
  await page.click('#log-close');
  await page.waitForSelector('#logview', { state: 'hidden' });
  ok(step);

  const pidsOf = (rows) => page.evaluate((sels) => sels.map((s) => document.querySelector(s).dataset.pid), rows.map((r) => row(...r)));
  const waitNewPids = (rows, old) => page.waitForFunction(([sels, o]) => sels.every((s, i) => {
    const tr = document.querySelector(s);
    return tr && tr.dataset.state === 'RUNNING' && tr.dataset.pid && tr.dataset.pid !== o[i];
  }), [rows.map((r) => row(...r)), old]);
  async function confirmAndFollow(total) {
    await page.waitForSelector('#confirm:not([hidden])');
    // the previous job stays shown until the new one is accepted: wait for a new id
    const before = await page.evaluate(() => document.getElementById('job').dataset.id || '');
    await page.click('#confirm-yes');
    await page.waitForFunction((b) => {
      const j = document.getElementById('job');
      return !j.hidden && (j.dataset.id || '') !== b && j.dataset.state !== 'running';
    }, before);
    const j = await page.evaluate(() => ({
      state: document.getElementById('job').dataset.state,
      value: document.getElementById('job-progress').value,
      max: document.getElementById('job-progress').max,
      items: [...document.querySelectorAll('#job-items li')].map((li) => li.dataset.state),
      text: document.getElementById('job-items').textContent,
    }));
    if (j.max !== total || j.items.length !== total) throw new Error('job: ' + JSON.stringify(j));
    return j;
  }

  step = 'restart a group across nodes (the filter is the selector)';
  const groupRows = allRows.filter((r) => r[1] === cfg.group || r[1].startsWith(cfg.group + ':'));
  if (new Set(groupRows.map((r) => r[0])).size < 2) throw new Error('the group is on one node only');
  await page.selectOption('#f-group', cfg.group);
  await waitRows(page, groupRows);
  let old = await pidsOf(groupRows);
  await page.waitForFunction((n) => document.getElementById('bulk-target').textContent.includes('the ' + n + ' shown (group'), groupRows.length);
  await page.click('[data-bulk="restart"]');
  let job = await confirmAndFollow(groupRows.length);
  if (job.state !== 'done' || job.value !== groupRows.length || job.items.some((x) => x !== 'ok'))
    throw new Error('group restart: ' + JSON.stringify(job));
  await waitNewPids(groupRows, old);
  ok(step);

  step = 'a bulk action that fails shows why, item by item';
  await page.click('[data-bulk="start"]');
  job = await confirmAndFollow(groupRows.length);
  if (job.state !== 'failed' || !job.items.every((x) => x === 'error') || !job.text.includes('ALREADY_STARTED'))
    throw new Error('start of running processes: ' + JSON.stringify(job));
  await page.click('#f-clear');
  await waitRows(page, allRows);
  ok(step);

  step = 'rolling restart of a selection, 2 at a time, with progress';
  const picked = cfg.rolling;
  for (const r of picked) await page.check(`${row(...r)} input[type="checkbox"]`);
  await page.waitForFunction(() => document.getElementById('bulk-target').textContent === 'Act on 3 selected:');
  old = await pidsOf(picked);
  await page.fill('#batch', '2');
  await page.click('[data-bulk="rolling"]');
  await page.waitForFunction(() => /Rolling restart of 3 selected, 2 at a time/.test(document.getElementById('confirm-text').textContent));
  job = await confirmAndFollow(3);
  if (job.state !== 'done' || job.value !== 3 || job.items.some((x) => x !== 'ok'))
    throw new Error('rolling restart: ' + JSON.stringify(job));
  if (!/Rolling restart, 2 at a time/.test(await page.textContent('#job-title'))) throw new Error('job title');
  await waitNewPids(picked, old);
  await shot(page, 'rolling-restart');
  await page.uncheck(`${row(...picked[0])} input[type="checkbox"]`);
  await page.uncheck(`${row(...picked[1])} input[type="checkbox"]`);
  await page.uncheck(`${row(...picked[2])} input[type="checkbox"]`);
  await page.click('#jobs summary');
  await page.waitForFunction(() => /Rolling restart, 2 at a time by admin at .*: done, 3 ok, 0 failed of 3/.test(
    document.querySelector('#jobs-list li:first-child').textContent));
  if ((await page.$$('#jobs-list li')).length !== 3) throw new Error('recent jobs: ' + (await page.textContent('#jobs-list')));
  await page.click('#jobs summary');
  await page.click('#job-close');
  ok(step);

  step = 'the activity log shows the restart';
  await page.click('#nav a[data-view="activity"]');
  await page.waitForSelector('#activity-view:not([hidden])');
  await page.waitForFunction(([node, ns]) => [...document.querySelectorAll('#audit-body tr')].some((tr) => {
    const c = [...tr.children].map((td) => td.textContent);
    return c[1] === 'admin' && c[2] === 'restart' && c[3] === node && c[4] === ns && c[5] === 'ok';
  }), cfg.remote);
  await page.fill('#a-user', 'admin');
  await page.fill('#a-action', 'restart');
  await page.click('#a-filters button[type="submit"]');
  await page.waitForFunction((n) => document.getElementById('a-shown').textContent === n + ' entries', 2 + cfg.rolling.length + 2); /* tick, big, the rolling and group ones */
  await shot(page, 'activity');
  const hash = new URL(page.url()).hash;
  if (!hash.includes('user=admin') || !hash.includes('action=restart')) throw new Error('hash: ' + hash);
  ok(step);

  step = 'a rolling restart of an environment, followed after a reload, cancelled midway';
  await page.click('#nav a[data-view="processes"]');
  await page.selectOption('#f-environment', cfg.slowEnv);
  await page.selectOption('#f-state', 'RUNNING');
  const envRows = allRows.filter((r) => cfg.envNodes.includes(r[0]) && !(r[0] === cfg.stopped[0] && r[1] === cfg.stopped[1]));
  await waitRows(page, envRows);
  await page.waitForFunction((n) => document.getElementById('bulk-target').textContent.includes('the ' + n + ' shown (environment'), envRows.length);
  await page.fill('#batch', '1');
  await page.click('[data-bulk="rolling"]');
  await page.waitForSelector('#confirm:not([hidden])');
  await page.click('#confirm-yes');
  await page.waitForFunction(() => document.getElementById('job').dataset.state === 'running');
  /* a reload finds the running job again */
  await page.reload();
  await page.waitForSelector('#processes-view:not([hidden])');
  /* progress shows while it runs: one done, the others waiting */
  await page.waitForFunction(() => {
    const j = document.getElementById('job');
    const v = document.getElementById('job-progress').value;
    return !j.hidden && j.dataset.state === 'running' && v >= 1 && v < document.getElementById('job-progress').max;
  });
  await page.click('#job-cancel');
  await page.waitForFunction(() => document.getElementById('job').dataset.state === 'cancelled');
  const states = await page.evaluate(() => [...document.querySelectorAll('#job-items li')].map((li) => li.dataset.state));
  if (states.length !== envRows.length || !states.includes('ok') || !states.some((x) => x === 'cancelled' || x === 'skipped'))
    throw new Error('cancelled job: ' + JSON.stringify(states));
  if (await page.isVisible('#job-cancel')) throw new Error('a finished job offers Cancel');
  await page.click('#f-clear');
  ok(step);

  step = 'users: add, refused, change, delete';
  await page.click('#nav a[data-view="users"]');
  await page.waitForSelector('#users-body tr[data-user="admin"]');
  await page.waitForSelector(`#users-body tr[data-user="${cfg.viewer[0]}"]`);
  await page.fill('#u-name', 'ursula');
  await page.fill('#u-pass', 'short');
  await page.selectOption('#u-role', 'operator');
  await page.fill('#u-envs', 'staging, qa');
  await page.click('#u-add button[type="submit"]');
  await page.waitForFunction(() => /password/.test(document.querySelector('#u-add-result.error')?.textContent || ''));
  await page.fill('#u-pass', 'a-long-enough-password');
  await page.click('#u-add button[type="submit"]');
  const urow = '#users-body tr[data-user="ursula"]';
  await page.waitForSelector(urow);
  if ((await page.inputValue(urow + ' input:not([type="password"])')) !== 'staging,qa')
    throw new Error('environments: ' + (await page.inputValue(urow + ' input')));
  await shot(page, 'users');
  await page.selectOption(urow + ' select', 'viewer');
  await page.click(urow + ' button[data-act="save"]');
  await page.waitForSelector(urow + ' .result.ok');
  await page.click(urow + ' button[data-act="delete"]');
  await page.click(urow + ' button[data-act="delete"]');
  await page.waitForSelector(urow, { state: 'detached' });
  ok(step);

  step = 'a viewer (phone width) sees every process, no action, no console error';
  const vpage = await newPage({ width: 390, height: 800 });
  const consoleErrors = [];
  let loggedIn = false;
  vpage.on('console', (m) => { if (m.type() === 'error' && loggedIn) consoleErrors.push(m.text()); });
  await login(vpage, cfg.viewer[0], cfg.viewer[1]);
  loggedIn = true;
  await waitRows(vpage, allRows);
  const acts = await vpage.$$('#procs-body button[data-act="start"], #procs-body button[data-act="stop"], ' +
    '#procs-body button[data-act="restart"], #procs-body input[type="checkbox"]');
  if (acts.length) throw new Error('a viewer sees ' + acts.length + ' action controls');
  if (await vpage.isVisible('#bulk')) throw new Error('a viewer sees the bulk actions');
  if (await vpage.isVisible('#nav a[data-view="users"]')) throw new Error('a viewer sees the users page');
  await vpage.click(`${row(rnode, rns)} button[data-act="log"]`);
  await vpage.waitForFunction((pid) => document.getElementById('log-text').textContent.includes('marker ' + pid), newPid);
  await shot(vpage, 'phone-log');
  await vpage.click('#log-close');
  await shot(vpage, 'phone-viewer');
  const overflow = await vpage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) throw new Error('the page is ' + overflow + ' px wider than a phone');
  /* one more poll, then no error may have been logged */
  let polls = 0;
  let started = 0;
  vpage.on('requestfinished', (r) => { if (r.url().includes('/api/v1/processes')) polls++; });
  vpage.on('request', (r) => { if (r.url().includes('/api/v1/processes')) started++; });
  const until = async (n) => {
    const deadline = Date.now() + WAIT;
    while (polls < n) {
      if (Date.now() > deadline) throw new Error('no poll: ' + polls + ' < ' + n);
      await vpage.waitForTimeout(100);
    }
  };
  await until(1);
  if (consoleErrors.length) throw new Error('console errors: ' + consoleErrors.join('; '));
  ok(step);

  step = 'polling pauses while the tab is hidden, and resumes';
  const setHidden = (hidden) => vpage.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  await vpage.waitForFunction(() => document.getElementById('conn').dataset.conn === 'paused');
  const s0 = started;
  await vpage.waitForTimeout(2600); /* an idle window longer than a poll interval, not a wait */
  if (started !== s0) throw new Error((started - s0) + ' polls while hidden');
  const n1 = polls;
  await setHidden(false);
  await until(n1 + 1);
  await vpage.waitForFunction(() => document.getElementById('conn').dataset.conn === 'live');
  ok(step);

  step = 'change my own password';
  await vpage.click('#nav a[data-view="account"]');
  await vpage.waitForSelector('#account-view:not([hidden])');
  const newPw = cfg.viewer[1] + '-new';
  await vpage.fill('#pw-old', 'not-my-password');
  await vpage.fill('#pw-new', newPw);
  await vpage.fill('#pw-again', newPw + 'x');
  await vpage.click('#pw-form button[type="submit"]');
  await vpage.waitForFunction(() => /differ/.test(document.querySelector('#pw-result.error')?.textContent || ''));
  await vpage.fill('#pw-again', newPw);
  await vpage.click('#pw-form button[type="submit"]');
  await vpage.waitForFunction(() => /old password is wrong/.test(document.querySelector('#pw-result.error')?.textContent || ''));
  await vpage.fill('#pw-old', cfg.viewer[1]);
  await vpage.fill('#pw-new', newPw);
  await vpage.fill('#pw-again', newPw);
  await vpage.click('#pw-form button[type="submit"]');
  await vpage.waitForSelector('#pw-result.ok');
  ok(step);

  step = 'log out, and in again with the new password';
  loggedIn = false; /* a page without a session logs its 401 */
  await vpage.click('#logout');
  await vpage.waitForSelector('#login-view:not([hidden])');
  await vpage.reload();
  await vpage.waitForSelector('#login-view:not([hidden])');
  await login(vpage, cfg.viewer[0], newPw);
  await waitRows(vpage, allRows);
  ok(step);

  if (problems.length) throw new Error(problems.join('; '));
  await browser.close();
  console.log('all ok');
} catch (e) {
  console.log('FAILED at "' + step + '": ' + (e && e.stack ? e.stack : e));
  if (problems.length) console.log('page errors: ' + problems.join('; '));
  try {
    await page.screenshot({ path: artifacts + '/console-failure.png', fullPage: true });
    console.log('screenshot: ' + artifacts + '/console-failure.png');
  } catch (e2) { /* the browser may be gone */ }
  await browser.close().catch(() => {});
  process.exit(1);
}
