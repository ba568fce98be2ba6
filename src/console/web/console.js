/* The console's page (doc/console.md, "Web UI"): login, the overview of
 * every process of every node (polled every 2 s while the tab is visible),
 * filters kept in the URL hash, actions on one process, a selection or the
 * filtered set (with rolling restarts followed as jobs), a log viewer
 * (follow, earlier parts, search), the activity log and the users (admins).
 * All data reaches the page through textContent, never as HTML; the CSRF
 * token lives only in this closure (the session cookie is HttpOnly). */
'use strict';
(function () {
  const API = '/api/v1/';
  const POLL_MS = 2000;
  const JOB_POLL_MS = 1000;
  const LOG_POLL_MS = 1000;
  const LOG_CHUNK = 65536;
  const LOG_MAX = 2 * 1024 * 1024; /* characters kept in the viewer */
  const LOG_GAP_MAX = 1024 * 1024; /* read between two polls, at most (the API's cap) */
  const MAX_MARKS = 5000;
  const ROWS_PAGE = 500; /* rows drawn at a time: thousands make a slow page */
  const STATES = ['RUNNING', 'STARTING', 'BACKOFF', 'STOPPING', 'STOPPED', 'EXITED', 'FATAL', 'UNKNOWN'];
  const ALWAYS_COUNTED = new Set(['RUNNING', 'FATAL', 'STOPPED']);
  const RUNNING_LIKE = new Set(['STARTING', 'RUNNING', 'BACKOFF', 'STOPPING']);
  const FILTERS = ['environment', 'node', 'group', 'name', 'state'];
  const VIEWS = ['processes', 'activity', 'users', 'account'];
  const ACT_ING = { start: 'starting', stop: 'stopping', restart: 'restarting' };
  const ACT_PAST = { start: 'started', stop: 'stopped', restart: 'restarted' };
  const $ = (id) => document.getElementById(id);
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  const st = {
    session: null,       /* {user, role, environments, csrf_token} */
    view: null,
    nodes: [],           /* as GET /api/v1/nodes */
    procs: [],           /* as GET /api/v1/processes, each with .key and .ns */
    rows: new Map(),     /* key -> {tr, cells...} */
    selected: new Set(), /* keys */
    filters: { environment: '', node: '', group: '', name: '', state: '' },
    loaded: false,
    rowLimit: ROWS_PAGE, /* rows drawn (the rest behind "Show more") */
    matched: 0,          /* processes the filters select */
    pollTimer: null,
    polling: false,
    again: false,        /* poll again as soon as the one in flight ends */
    job: null,           /* the job followed */
    jobTimer: null,
  };

  /* ---- small helpers ---- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function button(label, attrs) {
    const b = el('button', null, label);
    b.type = 'button';
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith('data-')) b.dataset[k.slice(5)] = v;
      else b.setAttribute(k, v);
    }
    return b;
  }

  function setText(e, text) {
    text = text === undefined || text === null ? '' : String(text);
    if (e.textContent !== text) e.textContent = text;
  }

  function show(resultEl, cls, text) {
    resultEl.className = 'result ' + cls;
    resultEl.textContent = text || '';
    clearTimeout(resultEl._fade);
    /* a success says so for a while; an error stays until the next try */
    if (cls === 'ok' && resultEl.closest('td'))
      resultEl._fade = setTimeout(() => { if (resultEl.className === 'result ok') resultEl.textContent = ''; }, 10000);
  }

  function isOperator() { return !!st.session && st.session.role !== 'viewer'; }
  function isAdmin() { return !!st.session && st.session.role === 'admin'; }

  function nsOf(p) { return p.group === p.name ? p.name : p.group + ':' + p.name; }

  function pad2(n) { return n < 10 ? '0' + n : String(n); }

  /* Supervisor's uptime text: "1:02:03", "2 days, 1:02:03" */
  function uptime(sec) {
    sec = Math.max(0, Math.floor(sec));
    const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24;
    const m = Math.floor(sec / 60) % 60, s = sec % 60;
    const hms = h + ':' + pad2(m) + ':' + pad2(s);
    return d ? d + (d === 1 ? ' day, ' : ' days, ') + hms : hms;
  }

  function ago(t) {
    if (t === null || t === undefined) return 'never';
    const s = Math.max(0, Math.round(Date.now() / 1000 - t));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return new Date(t * 1000).toLocaleString();
  }

  function errText(e) {
    if (e && e.api) return (e.api.name ? e.api.name + ': ' : '') + (e.api.message || '');
    return e && e.message ? e.message : String(e);
  }

  /* ---- the API ---- */

  async function call(method, path, body) {
    const opts = { method, credentials: 'same-origin', cache: 'no-store', headers: {} };
    if (method !== 'GET' && st.session) opts.headers['X-CSRF-Token'] = st.session.csrf_token;
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(API + path, opts);
    } catch (e) {
      const err = new Error('the console did not answer');
      err.api = { code: 0, name: 'UNREACHABLE', message: 'the console did not answer' };
      err.status = 0;
      throw err;
    }
    let j = null;
    try { j = await r.json(); } catch (e) { /* not JSON */ }
    if (j === null || typeof j !== 'object') j = null;
    if (r.ok && j && 'result' in j) return j.result;
    const api = j && j.error && typeof j.error === 'object' ? j.error : { code: 0, name: 'HTTP_' + r.status, message: r.statusText || 'error' };
    const err = new Error(api.message || api.name);
    err.api = api;
    err.status = r.status;
    if (r.status === 401 && path !== 'login' && st.session) sessionLost();
    throw err;
  }

  const enc1 = encodeURIComponent;
  function procPath(node, ns) { return 'nodes/' + enc1(node) + '/processes/' + enc1(ns); }

  /* ---- session ---- */

  function showLogin(message) {
    $('login-view').hidden = false;
    $('main').hidden = true;
    $('nav').hidden = true;
    $('logout').hidden = true;
    setText($('whoami'), '');
    setConn('idle', '');
    show($('login-error'), 'error', message || '');
    $('login-user').focus();
  }

  /* Whatever the last user had open goes. */
  function leave() {
    st.session = null;
    stopPolling();
    closeLog();
    stopJob();
    st.job = null;
    renderJob(null);
    cancelBulk();
    show($('bulk-result'), '', '');
  }

  function sessionLost() {
    leave();
    showLogin('Your session ended: log in again.');
  }

  function loggedIn(s) {
    st.session = s;
    $('login-view').hidden = true;
    $('main').hidden = false;
    $('nav').hidden = false;
    $('logout').hidden = false;
    const envs = s.environments ? '; ' + s.environments : '';
    setText($('whoami'), s.user + ' (' + s.role + envs + ')');
    for (const a of document.querySelectorAll('#nav [data-admin]')) a.hidden = !isAdmin();
    document.body.classList.toggle('viewer', !isOperator());
    $('bulk').hidden = !isOperator();
    $('select-all').closest('th').hidden = !isOperator();
    /* rows were made for another role: make them again */
    for (const r of st.rows.values()) r.tr.remove();
    st.rows.clear();
    st.selected.clear();
    route();
    loadJobs(true);
  }

  async function login(ev) {
    ev.preventDefault();
    const user = $('login-user').value.trim();
    const pass = $('login-pass').value;
    if (!user || !pass) {
      show($('login-error'), 'error', 'Enter a user name and a password.');
      return;
    }
    $('login-submit').disabled = true;
    show($('login-error'), 'pending', 'Logging in…');
    try {
      const s = await call('POST', 'login', { username: user, password: pass });
      $('login-pass').value = '';
      show($('login-error'), '', '');
      loggedIn(s);
    } catch (e) {
      show($('login-error'), 'error', e.status === 401 ? 'Wrong user name or password.' : errText(e));
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function logout() {
    try { await call('POST', 'logout'); } catch (e) { /* ended anyway */ }
    leave();
    showLogin('');
  }

  /* ---- routing: #view?key=value&... ---- */

  function parseHash() {
    const h = location.hash.replace(/^#/, '');
    const q = h.indexOf('?');
    const view = q < 0 ? h : h.slice(0, q);
    return { view: view || 'processes', params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
  }

  function writeHash(view, params) {
    const q = params.toString();
    const h = '#' + view + (q ? '?' + q : '');
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  function route() {
    if (!st.session) return;
    let { view, params } = parseHash();
    if (!VIEWS.includes(view) || ((view === 'activity' || view === 'users') && !isAdmin()))
      view = 'processes';
    st.view = view;
    for (const v of VIEWS) $(v + '-view').hidden = v !== view;
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (view === 'processes') {
      for (const k of FILTERS) st.filters[k] = params.get(k) || '';
      syncFilterControls();
      render();
      pollNow();
    } else {
      stopPolling();
      setConn('idle', '');
      if (view === 'activity') {
        $('a-user').value = params.get('user') || '';
        $('a-action').value = params.get('action') || '';
        setSelect($('a-node'), params.get('node') || '');
        setSelect($('a-limit'), params.get('limit') || '100');
        loadNodesOnce().then(() => { fillNodeSelect($('a-node'), params.get('node') || ''); loadAudit(); });
      } else if (view === 'users') {
        loadUsers();
      } else {
        show($('pw-result'), '', '');
      }
    }
  }

  function setSelect(sel, value) {
    if (value && ![...sel.options].some((o) => o.value === value)) {
      const o = el('option', null, value);
      o.value = value;
      sel.append(o);
    }
    sel.value = value;
  }

  /* ---- polling ---- */

  function setConn(state, text) {
    const c = $('conn');
    c.dataset.conn = state;
    setText(c, text);
    c.title = state === 'error' ? text : '';
  }

  function stopPolling() {
    clearTimeout(st.pollTimer);
    st.pollTimer = null;
  }

  function schedule() {
    stopPolling();
    if (!st.session || st.view !== 'processes') return;
    if (document.hidden) {
      setConn('paused', 'paused');
      return;
    }
    st.pollTimer = setTimeout(poll, POLL_MS);
  }

  /* At once; if a poll is in flight (its answer may predate an action),
   * once more when it is done. */
  function pollNow() {
    stopPolling();
    if (st.polling) st.again = true;
    else poll();
  }

  async function poll() {
    if (st.polling || !st.session) return;
    st.polling = true;
    try {
      const [nodes, procs] = await Promise.all([call('GET', 'nodes'), call('GET', 'processes')]);
      st.nodes = nodes;
      st.procs = procs;
      for (const p of procs) {
        p.ns = nsOf(p);
        p.key = p.node + '\n' + p.ns;
      }
      st.loaded = true;
      setConn('live', 'live');
      render();
    } catch (e) {
      if (st.session) setConn('error', 'not updated: ' + errText(e));
    } finally {
      st.polling = false;
      if (st.again && st.session && st.view === 'processes') {
        st.again = false;
        poll();
      } else {
        st.again = false;
        schedule();
      }
    }
  }

  let nodesOnce = null;
  function loadNodesOnce() {
    if (st.nodes.length) return Promise.resolve();
    if (!nodesOnce) nodesOnce = call('GET', 'nodes').then((n) => { st.nodes = n; }).catch(() => {}).finally(() => { nodesOnce = null; });
    return nodesOnce;
  }

  /* ---- filters ---- */

  /* fnmatch(3) without flags, as the API matches name= */
  function globRe(pat) {
    let re = '';
    for (let i = 0; i < pat.length; i++) {
      const c = pat[i];
      if (c === '\\' && i + 1 < pat.length) {
        re += pat[++i].replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'); /* \* is a star */
      } else if (c === '*') {
        re += '.*';
      } else if (c === '?') {
        re += '.';
      } else if (c === '[') {
        let j = i + 1;
        if (pat[j] === '!' || pat[j] === '^') j++;
        if (pat[j] === ']') j++;
        while (j < pat.length && pat[j] !== ']') j++;
        if (j >= pat.length) {
          re += '\\[';
          continue;
        }
        let body = pat.slice(i + 1, j);
        let neg = '';
        if (body[0] === '!' || body[0] === '^') { neg = '^'; body = body.slice(1); }
        re += '[' + neg + body.replace(/[\\\]^[]/g, (m, off) => (m === ']' && off === 0 ? '\\]' : '\\' + m)) + ']';
        i = j;
      } else {
        re += c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
      }
    }
    try {
      return new RegExp('^' + re + '$', 's');
    } catch (e) {
      return /^$/;
    }
  }

  /* Plain text (no wildcard) means "contains": the same rule as the
   * selector sent with bulk actions. */
  function namePattern(text) {
    const t = text.trim();
    if (!t) return '';
    return /[*?[]/.test(t) ? t : '*' + t + '*';
  }

  function matcher(except) {
    const f = st.filters;
    const pat = namePattern(f.name);
    const re = pat ? globRe(pat) : null;
    return (p) => {
      if (f.environment && except !== 'environment' && p.environment !== f.environment) return false;
      if (f.node && except !== 'node' && p.node !== f.node) return false;
      if (f.group && except !== 'group' && p.group !== f.group) return false;
      if (f.state && except !== 'state' && p.statename !== f.state) return false;
      if (re && except !== 'name' && !re.test(p.name) && !re.test(p.ns)) return false;
      return true;
    };
  }

  function filtersToHash() {
    const params = new URLSearchParams();
    for (const k of FILTERS) if (st.filters[k]) params.set(k, st.filters[k]);
    writeHash('processes', params);
  }

  function syncFilterControls() {
    for (const k of ['environment', 'node', 'group', 'state']) setSelect($('f-' + k), st.filters[k]);
    if ($('f-name').value !== st.filters.name) $('f-name').value = st.filters.name;
  }

  function fillSelect(sel, values, current) {
    const want = [''].concat(values);
    if (current && !want.includes(current)) want.push(current);
    const have = [...sel.options].map((o) => o.value);
    if (have.length !== want.length || have.some((v, i) => v !== want[i])) {
      sel.textContent = '';
      for (const v of want) {
        const o = el('option', null, v || 'all');
        o.value = v;
        sel.append(o);
      }
    }
    sel.value = current;
  }

  function fillNodeSelect(sel, current) {
    fillSelect(sel, st.nodes.map((n) => n.name), current);
  }

  function onFilter(ev) {
    const k = ev.target.name;
    if (!FILTERS.includes(k)) return;
    st.filters[k] = ev.target.value;
    st.rowLimit = ROWS_PAGE;
    filtersToHash();
    render();
  }

  /* ---- the overview ---- */

  function render() {
    if (st.view !== 'processes') return;
    renderNodes();
    const envs = [...new Set(st.nodes.map((n) => n.environment).filter((e) => e))].sort();
    fillSelect($('f-environment'), envs, st.filters.environment);
    fillNodeSelect($('f-node'), st.filters.node);
    fillSelect($('f-group'), [...new Set(st.procs.map((p) => p.group))].sort(), st.filters.group);
    renderCounts();
    renderRows();
  }

  function renderNodes() {
    const ul = $('nodes');
    const seen = new Set();
    for (const n of st.nodes) {
      seen.add(n.name);
      let li = ul.querySelector('li[data-node="' + CSS.escape(n.name) + '"]');
      if (!li) {
        li = el('li', 'node');
        li.dataset.node = n.name;
        const b = button('', { 'data-act': 'node-filter' });
        b.append(el('span', 'node-name'), el('span', 'node-badge'), el('span', 'node-env'));
        b.addEventListener('click', () => {
          st.filters.node = st.filters.node === n.name ? '' : n.name;
          syncFilterControls();
          filtersToHash();
          render();
        });
        li.append(b, el('span', 'node-counts'), el('span', 'node-seen'), el('span', 'node-error'));
        ul.append(li);
      }
      li.dataset.online = n.online ? 'yes' : 'no';
      const b = li.querySelector('button');
      b.setAttribute('aria-pressed', String(st.filters.node === n.name));
      b.title = 'Show only the processes of ' + n.name + (n.url ? ' (' + n.url + ')' : '');
      setText(li.querySelector('.node-name'), n.name);
      setText(li.querySelector('.node-badge'), n.online ? 'online' : 'offline');
      setText(li.querySelector('.node-env'), n.environment || '');
      const c = n.counts || {};
      const parts = [];
      for (const s of STATES) if (c[s]) parts.push(c[s] + ' ' + s.toLowerCase());
      setText(li.querySelector('.node-counts'), n.processes + ' processes' + (parts.length ? ': ' + parts.join(', ') : ''));
      const seenEl = li.querySelector('.node-seen');
      setText(seenEl, 'last seen ' + ago(n.last_seen));
      seenEl.title = n.last_seen ? new Date(n.last_seen * 1000).toLocaleString() : '';
      setText(li.querySelector('.node-error'), n.online ? '' : n.error || '');
    }
    for (const li of [...ul.children]) if (!seen.has(li.dataset.node)) li.remove();
  }

  function renderCounts() {
    const box = $('counts');
    const m = matcher('state');
    const n = {};
    let total = 0;
    for (const p of st.procs) {
      if (!m(p)) continue;
      total++;
      n[p.statename] = (n[p.statename] || 0) + 1;
    }
    const offline = st.nodes.filter((x) => !x.online).length;
    /* rebuilt only when something changed: a focused count keeps its focus */
    const sig = JSON.stringify([n, total, offline, st.filters.state]);
    if (box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.state : null;
    box.textContent = '';
    const all = button('all ' + total, { 'data-state': '', 'aria-pressed': String(!st.filters.state) });
    all.className = 'count';
    box.append(all);
    const names = STATES.concat(Object.keys(n).filter((s) => !STATES.includes(s)));
    for (const s of names) {
      if (!n[s] && !ALWAYS_COUNTED.has(s) && st.filters.state !== s) continue;
      const b = button('', { 'data-state': s, 'aria-pressed': String(st.filters.state === s) });
      b.className = 'count';
      b.append(el('span', 'count-n', n[s] || 0), document.createTextNode(' ' + s));
      box.append(b);
    }
    if (offline) box.append(el('span', 'count-offline', offline + (offline === 1 ? ' node offline' : ' nodes offline')));
    if (focused !== null) {
      const again = box.querySelector('button[data-state="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  function makeRow(p) {
    const tr = el('tr');
    tr.dataset.key = p.key;
    tr.dataset.node = p.node;
    tr.dataset.ns = p.ns;
    const cell = (cls, label) => {
      const td = el('td', cls);
      if (label) td.dataset.label = label;
      tr.append(td);
      return td;
    };
    const r = { tr, p };
    if (isOperator()) {
      const td = cell('c-sel');
      r.check = el('input');
      r.check.type = 'checkbox';
      r.check.setAttribute('aria-label', 'Select ' + p.ns + ' on ' + p.node);
      r.check.addEventListener('change', () => {
        if (r.check.checked) st.selected.add(p.key);
        else st.selected.delete(p.key);
        renderBulk();
      });
      td.append(r.check);
    }
    r.node = cell('c-node', 'Node');
    r.group = cell('c-group', 'Group');
    r.name = cell('c-name');
    r.stateCell = cell('c-state');
    r.badge = el('span', 'badge');
    r.stateCell.append(r.badge);
    r.desc = cell('c-desc');
    r.actions = cell('c-actions');
    const acts = el('div', 'actions');
    r.buttons = {};
    const what = p.ns + ' on ' + p.node;
    if (isOperator()) {
      for (const act of ['start', 'stop', 'restart']) {
        const b = button(act[0].toUpperCase() + act.slice(1), { 'data-act': act, 'aria-label': act + ' ' + what });
        b.addEventListener('click', () => procAction(r, act));
        r.buttons[act] = b;
        acts.append(b);
      }
    }
    const lb = button('Log', { 'data-act': 'log', 'aria-label': 'log of ' + what });
    lb.addEventListener('click', () => openLog(p.node, p.ns, 'stdout', lb));
    acts.append(lb);
    r.result = el('div', 'result');
    r.result.setAttribute('role', 'status');
    r.actions.append(acts, r.result);
    const groupLink = button(p.group, { 'data-act': 'group-filter', title: 'Show the group ' + p.group + ' on every node' });
    groupLink.className = 'link';
    groupLink.addEventListener('click', () => {
      st.filters.group = p.group;
      syncFilterControls();
      filtersToHash();
      render();
    });
    r.group.append(groupLink);
    setText(r.node, p.node);
    setText(r.name, p.name);
    return r;
  }

  function paintRow(r, p) {
    r.p = p;
    const tr = r.tr;
    if (tr.dataset.state !== p.statename) tr.dataset.state = p.statename;
    const pid = p.pid ? String(p.pid) : '';
    if (tr.dataset.pid !== pid) tr.dataset.pid = pid;
    tr.classList.toggle('offline', !p.node_online);
    setText(r.badge, p.statename);
    let desc = p.description || '';
    /* a node that pushes changes (event stream) sends no new description:
     * the uptime is counted here */
    if (p.statename === 'RUNNING' && p.pid && p.start > 0 && Date.now() / 1000 >= p.start)
      desc = 'pid ' + p.pid + ', uptime ' + uptime(Date.now() / 1000 - p.start);
    if ((p.statename === 'FATAL' || p.statename === 'BACKOFF') && p.spawnerr && !desc.includes(p.spawnerr))
      desc = desc ? desc + ' (' + p.spawnerr + ')' : p.spawnerr;
    if (!p.node_online) desc = 'node offline; last known: ' + desc;
    setText(r.desc, desc);
    if (r.buttons.start) {
      const busy = r.busy || !p.node_online;
      r.buttons.start.disabled = busy || RUNNING_LIKE.has(p.statename);
      r.buttons.stop.disabled = busy || !RUNNING_LIKE.has(p.statename);
      r.buttons.restart.disabled = busy;
    }
    if (r.check) r.check.checked = st.selected.has(p.key);
  }

  function renderRows() {
    const body = $('procs-body');
    const order = new Map(st.nodes.map((n, i) => [n.name, i]));
    const procs = st.procs.slice().sort((a, b) =>
      (order.get(a.node) ?? 1e9) - (order.get(b.node) ?? 1e9) || (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    const m = matcher(null);
    const want = [];
    const live = new Set();
    let matched = 0;
    for (const p of procs) {
      if (!m(p)) continue;
      if (++matched > st.rowLimit) continue;
      live.add(p.key);
      let r = st.rows.get(p.key);
      if (!r) {
        r = makeRow(p);
        st.rows.set(p.key, r);
      }
      paintRow(r, p);
      want.push(r.tr);
    }
    for (const [key, r] of st.rows) {
      if (live.has(key)) continue;
      r.tr.remove();
      st.rows.delete(key);
    }
    /* keep a selection only of rows shown: acting on hidden rows surprises */
    const shownKeys = new Set(want.map((tr) => tr.dataset.key));
    for (const k of [...st.selected]) if (!shownKeys.has(k)) st.selected.delete(k);
    const cur = [...body.children];
    if (cur.length !== want.length || cur.some((tr, i) => tr !== want[i])) {
      for (const tr of cur) if (!shownKeys.has(tr.dataset.key)) tr.remove();
      for (const tr of want) body.append(tr); /* moves, in order */
    }
    const empty = $('procs-empty');
    empty.hidden = want.length > 0;
    setText(empty, !st.loaded ? 'Loading…' : st.procs.length ? 'No process matches the filters.' : 'No process on any node.');
    st.matched = matched;
    setText($('shown'), matched + ' of ' + st.procs.length + ' shown' + (matched > want.length ? ', ' + want.length + ' drawn' : ''));
    const more = $('more-rows');
    more.hidden = matched <= want.length;
    setText(more, 'Show ' + Math.min(ROWS_PAGE, matched - want.length) + ' more of the ' + (matched - want.length) + ' not drawn');
    const all = $('select-all');
    all.checked = want.length > 0 && st.selected.size === want.length;
    all.indeterminate = st.selected.size > 0 && st.selected.size < want.length;
    renderBulk(want.length);
  }

  /* ---- actions ---- */

  async function procAction(r, act) {
    const p = r.p;
    r.busy = true;
    paintRow(r, p);
    show(r.result, 'pending', ACT_ING[act] + '…');
    try {
      await call('POST', procPath(p.node, p.ns) + '/' + act);
      show(r.result, 'ok', ACT_PAST[act]);
    } catch (e) {
      show(r.result, 'error', errText(e));
    } finally {
      r.busy = false;
      paintRow(r, r.p);
      pollNow();
    }
  }

  function shownCount() {
    return st.matched;
  }

  /* What a bulk action applies to: the selection, else what the filters
   * show (the filters become the selector, so the server picks the same
   * processes, on nodes the user may see). */
  function bulkSelector() {
    if (st.selected.size) {
      const targets = [];
      for (const key of st.selected) {
        const r = st.rows.get(key);
        if (r) targets.push({ node: r.p.node, name: r.p.ns });
      }
      return { sel: { targets }, n: targets.length, text: targets.length + ' selected' };
    }
    const sel = {};
    const parts = [];
    for (const k of FILTERS) {
      if (!st.filters[k]) continue;
      sel[k] = k === 'name' ? namePattern(st.filters.name) : st.filters[k];
      parts.push(k + ' ' + sel[k]);
    }
    if (!parts.length) return { sel: { all: true }, n: shownCount(), text: 'all ' + shownCount() + ' processes' };
    return { sel, n: shownCount(), text: 'the ' + shownCount() + ' shown (' + parts.join(', ') + ')' };
  }

  function renderBulk() {
    if (!isOperator()) return;
    const b = bulkSelector();
    setText($('bulk-target'), 'Act on ' + b.text + ':');
    /* a confirmation asked about other processes than these is void */
    if (pendingBulk && pendingBulk.text !== b.text) cancelBulk();
    for (const btn of document.querySelectorAll('[data-bulk]')) btn.disabled = b.n === 0;
  }

  let pendingBulk = null;
  function askBulk(kind) {
    const b = bulkSelector();
    if (!b.n) return;
    const act = kind === 'rolling' ? 'restart' : kind;
    const body = Object.assign({ action: act }, b.sel);
    let text = act[0].toUpperCase() + act.slice(1) + ' ' + b.text;
    if (kind === 'rolling') {
      const n = parseInt($('batch').value, 10);
      if (!(n >= 1 && n <= 1000)) {
        show($('bulk-result'), 'error', 'The batch size must be 1 to 1000.');
        return;
      }
      body.rolling = n;
      text = 'Rolling restart of ' + b.text + ', ' + n + ' at a time';
    }
    pendingBulk = { body, text: b.text };
    setText($('confirm-text'), text + '?');
    $('confirm').hidden = false;
    $('confirm-yes').focus();
  }

  function cancelBulk() {
    pendingBulk = null;
    $('confirm').hidden = true;
  }

  async function runBulk() {
    const body = pendingBulk && pendingBulk.body;
    cancelBulk();
    if (!body) return;
    show($('bulk-result'), 'pending', 'Sending…');
    try {
      const job = await call('POST', 'actions', body);
      show($('bulk-result'), '', '');
      followJob(job);
    } catch (e) {
      show($('bulk-result'), 'error', errText(e));
    }
  }

  /* ---- jobs ---- */

  function stopJob() {
    clearTimeout(st.jobTimer);
    st.jobTimer = null;
  }

  function followJob(job) {
    stopJob();
    const ended = st.job && st.job.id === job.id && st.job.state === 'running' && job.state !== 'running';
    st.job = job;
    renderJob(job);
    if (ended && $('jobs').open) loadJobs(false);
    if (job && job.state === 'running') {
      st.jobTimer = setTimeout(async () => {
        try {
          followJob(await call('GET', 'jobs/' + enc1(job.id)));
          show($('job-error'), '', '');
        } catch (e) {
          show($('job-error'), 'error', errText(e));
          if (st.session) st.jobTimer = setTimeout(() => followJob(st.job), JOB_POLL_MS * 3);
        }
      }, JOB_POLL_MS);
    }
    pollNow();
  }

  function renderJob(job) {
    const box = $('job');
    if (!job) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.dataset.id = String(job.id);
    box.dataset.state = job.state;
    const items = job.items || [];
    const total = job.total ?? items.length;
    const done = (job.ok || 0) + (job.failed || 0);
    setText($('job-title'), jobTitle(job));
    setText($('job-state'), job.state);
    const prog = $('job-progress');
    prog.max = Math.max(1, total);
    prog.value = done;
    prog.setAttribute('aria-label', done + ' of ' + total + ' done');
    setText($('job-numbers'), (job.ok || 0) + ' ok, ' + (job.failed || 0) + ' failed, ' + total + ' in all');
    $('job-cancel').hidden = job.state !== 'running';
    const ol = $('job-items');
    ol.textContent = '';
    for (const it of items) {
      const li = el('li', 'job-item');
      li.dataset.state = it.state;
      li.append(el('span', 'job-item-state', it.state), el('span', 'job-item-name', it.node + ' ' + it.name));
      if (it.error) {
        const e = it.error;
        li.append(el('span', 'job-item-error', typeof e === 'object' ? (e.name ? e.name + ': ' : '') + (e.message || '') : e));
      }
      ol.append(li);
    }
  }

  function jobTitle(job) {
    return (job.rolling ? 'Rolling ' + job.action + ', ' + job.rolling + ' at a time' : job.action) +
      (job.user ? ' by ' + job.user : '');
  }

  /* The recent jobs (GET /api/v1/jobs, newest first); one still running is
   * followed, so a reload does not lose sight of a rolling restart. */
  async function loadJobs(followRunning) {
    if (!isOperator()) return;
    try {
      const jobs = await call('GET', 'jobs');
      show($('jobs-error'), '', '');
      const ol = $('jobs-list');
      ol.textContent = '';
      for (const job of jobs) {
        const li = el('li');
        li.dataset.state = job.state;
        const when = new Date(job.created * 1000).toLocaleTimeString();
        const b = button('#' + job.id + ' ' + jobTitle(job) + ' at ' + when + ': ' + job.state + ', ' +
          job.ok + ' ok, ' + job.failed + ' failed of ' + job.total, { 'data-job': String(job.id) });
        b.className = 'link';
        b.addEventListener('click', () => followJob(job));
        li.append(b);
        ol.append(li);
      }
      if (!jobs.length) ol.append(el('li', 'empty', 'none yet'));
      const running = jobs.find((j) => j.state === 'running');
      if (followRunning && running && !st.job) followJob(running);
    } catch (e) {
      show($('jobs-error'), 'error', errText(e));
    }
  }

  async function cancelJob() {
    if (!st.job) return;
    try {
      followJob(await call('POST', 'jobs/' + enc1(st.job.id) + '/cancel'));
    } catch (e) {
      show($('job-error'), 'error', errText(e));
    }
  }

  /* ---- the log viewer ---- */

  const log = {
    node: null, ns: null, stream: 'stdout',
    start: 0, end: 0, text: '',   /* bytes start..end of the file are loaded, as text */
    gen: 0, timer: null, busy: false, opener: null,
    marks: [], cur: -1, count: 0, /* search: the marks, the current one, all matches */
  };

  function logPath(extra) {
    return procPath(log.node, log.ns) + '/log/' + log.stream + extra;
  }

  function logStatus(text) { setText($('log-status'), text || ''); }

  function atBottom(pre) { return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40; }

  function byteLen(s) { return enc.encode(s).length; }

  function renderLog(keepScroll, toMatch) {
    const pre = $('log-text');
    const stick = $('log-follow').checked;
    const fromBottom = pre.scrollHeight - pre.scrollTop;
    const q = $('log-search').value;
    log.marks = [];
    log.count = 0;
    pre.textContent = '';
    if (!q) {
      pre.textContent = log.text;
      setText($('log-matches'), '');
      log.cur = -1;
    } else {
      /* caseless, unless lowering changes the text's length (then the
       * offsets would not map back): exact case then */
      const lower = log.text.toLowerCase();
      const caseless = lower.length === log.text.length;
      const hay = caseless ? lower : log.text;
      const needle = caseless ? q.toLowerCase() : q;
      const frag = document.createDocumentFragment();
      let from = 0;
      let count = 0;
      for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) {
        count++;
        if (log.marks.length >= MAX_MARKS) continue;
        frag.append(log.text.slice(from, i));
        const m = el('mark', null, log.text.slice(i, i + needle.length));
        log.marks.push(m);
        frag.append(m);
        from = i + needle.length;
      }
      frag.append(log.text.slice(from));
      pre.append(frag);
      log.count = count;
      /* a new search starts at the newest match */
      if (log.cur >= log.marks.length || log.cur < 0) log.cur = log.marks.length - 1;
      matchesText();
      if (log.cur >= 0) log.marks[log.cur].classList.add('current');
    }
    if (toMatch && log.cur >= 0) log.marks[log.cur].scrollIntoView({ block: 'center' });
    else if (keepScroll) pre.scrollTop = pre.scrollHeight - fromBottom;
    else if (stick && !q) pre.scrollTop = pre.scrollHeight;
  }

  function matchesText() {
    const more = log.count > log.marks.length ? ' (first ' + log.marks.length + ' marked)' : '';
    setText($('log-matches'), log.count ? (log.cur + 1) + ' of ' + log.count + more : 'no match');
  }

  function gotoMatch(delta) {
    if (!log.marks.length) return;
    if (log.cur >= 0) log.marks[log.cur].classList.remove('current');
    log.cur = (log.cur + delta + log.marks.length) % log.marks.length;
    const m = log.marks[log.cur];
    m.classList.add('current');
    $('log-follow').checked = false;
    m.scrollIntoView({ block: 'center' });
    matchesText();
  }

  function appendLog(data) {
    if (!data) return;
    const pre = $('log-text');
    const stick = $('log-follow').checked && atBottom(pre);
    log.text += data;
    if (log.text.length > LOG_MAX) {
      /* keep the newest part; the oldest can be loaded again */
      let cut = log.text.indexOf('\n', log.text.length - LOG_MAX);
      cut = cut < 0 ? log.text.length - LOG_MAX : cut + 1;
      log.start += byteLen(log.text.slice(0, cut));
      log.text = log.text.slice(cut);
      $('log-earlier').disabled = log.start === 0;
      renderLog(false);
      return;
    }
    if ($('log-search').value) {
      renderLog(!stick);
      if (stick) pre.scrollTop = pre.scrollHeight;
      return;
    }
    pre.append(data);
    if (stick) pre.scrollTop = pre.scrollHeight;
  }

  /* The tail route answers the last `length` bytes and the file's size as
   * offset (Supervisor's tailProcess*Log): the size tells what is new. */
  async function loadTail() {
    const gen = log.gen;
    const r = await call('GET', logPath('?offset=0&length=' + LOG_CHUNK));
    if (gen !== log.gen) return;
    log.end = r.offset;
    log.start = Math.max(0, r.offset - byteLen(r.data));
    log.text = r.data;
    $('log-earlier').disabled = log.start === 0;
    renderLog(false);
  }

  /* Bytes offset..offset+len of the log as text, or null if they cannot
   * all be read. */
  async function readGap(offset, len) {
    try {
      const g = await call('GET', logPath('/range?offset=' + offset + '&length=' + len));
      return g.offset === offset && byteLen(g.data) === len ? g.data : null;
    } catch (e) {
      return null;
    }
  }

  async function pollLog() {
    if (log.busy || log.node === null || !$('log-follow').checked || document.hidden) return;
    log.busy = true;
    const gen = log.gen;
    try {
      const r = await call('GET', logPath('?offset=' + log.end + '&length=' + LOG_CHUNK));
      if (gen !== log.gen) return;
      if (r.offset < log.end) {
        logStatus('The log was cleared or rotated: shown again from its end.');
        await loadTail();
      } else if (r.offset > log.end) {
        const bytes = enc.encode(r.data);
        const n = r.offset - log.end;
        if (r.overflow || n > bytes.length) {
          /* more than a tail's worth came: the part between is read by
           * range, up to LOG_GAP_MAX; beyond, it is skipped (and said) */
          const gapLen = r.offset - bytes.length - log.end;
          const gap = gapLen <= LOG_GAP_MAX ? await readGap(log.end, gapLen) : null;
          if (gen !== log.gen) return;
          if (gap !== null) {
            log.end = r.offset;
            appendLog(gap + r.data);
          } else {
            logStatus(gapLen + ' bytes were written faster than they were read: skipped.');
            log.text = r.data;
            log.start = r.offset - bytes.length;
            log.end = r.offset;
            $('log-earlier').disabled = log.start === 0;
            renderLog(false);
          }
        } else {
          log.end = r.offset;
          appendLog(dec.decode(bytes.subarray(bytes.length - n)));
        }
      } else if ($('log-status').textContent.startsWith('Error')) {
        logStatus('');
      }
    } catch (e) {
      if (gen === log.gen) logStatus('Error: ' + errText(e));
    } finally {
      log.busy = false;
    }
  }

  async function loadEarlier() {
    if (log.start === 0 || log.busy) return;
    log.busy = true;
    const gen = log.gen;
    try {
      const from = Math.max(0, log.start - LOG_CHUNK);
      const r = await call('GET', logPath('/range?offset=' + from + '&length=' + (log.start - from)));
      if (gen !== log.gen) return;
      let bytes = enc.encode(r.data);
      const at = typeof r.offset === 'number' ? r.offset : from;
      if (at + bytes.length > log.start) bytes = bytes.subarray(0, Math.max(0, log.start - at));
      log.text = dec.decode(bytes) + log.text;
      log.start = at;
      $('log-follow').checked = false;
      renderLog(true);
      $('log-earlier').disabled = log.start === 0;
      logStatus('');
    } catch (e) {
      if (gen === log.gen) logStatus('Error: earlier parts: ' + errText(e));
    } finally {
      log.busy = false;
    }
  }

  async function openLog(node, ns, stream, opener) {
    log.gen++;
    log.node = node;
    log.ns = ns;
    log.stream = stream;
    log.text = '';
    log.start = log.end = 0;
    log.busy = false;
    log.cur = -1;
    if (opener) log.opener = opener;
    const view = $('logview');
    view.hidden = false;
    view.dataset.node = node;
    view.dataset.ns = ns;
    view.dataset.stream = stream;
    document.body.classList.add('log-open');
    setText($('log-title'), ns + ' on ' + node);
    for (const s of ['stdout', 'stderr']) $('log-' + s).setAttribute('aria-pressed', String(s === stream));
    $('log-text').textContent = '';
    $('log-follow').checked = true;
    $('log-earlier').disabled = true;
    logStatus('');
    if (opener) $('log-close').focus();
    try {
      await loadTail();
    } catch (e) {
      logStatus('Error: ' + errText(e));
    }
    if (!log.timer) log.timer = setInterval(pollLog, LOG_POLL_MS);
  }

  function closeLog() {
    log.gen++;
    log.node = null;
    $('logview').hidden = true;
    document.body.classList.remove('log-open');
    clearInterval(log.timer);
    log.timer = null;
    if (log.opener && document.body.contains(log.opener)) log.opener.focus();
    log.opener = null;
  }

  /* ---- the activity log ---- */

  async function loadAudit(ev) {
    if (ev) ev.preventDefault();
    const params = new URLSearchParams();
    for (const k of ['user', 'action', 'node']) {
      const v = $('a-' + k).value.trim();
      if (v) params.set(k, v);
    }
    params.set('limit', $('a-limit').value);
    const hashParams = new URLSearchParams(params);
    if (hashParams.get('limit') === '100') hashParams.delete('limit');
    writeHash('activity', hashParams);
    show($('a-error'), 'error', '');
    try {
      const rows = await call('GET', 'audit?' + params.toString());
      const body = $('audit-body');
      body.textContent = '';
      for (const a of rows) {
        const tr = el('tr');
        tr.dataset.result = a.result;
        const t = typeof a.time === 'number' ? new Date(a.time * 1000) : new Date(a.time);
        const cells = [
          [isNaN(t) ? String(a.time) : t.toLocaleString(), 'Time'], [a.user, 'User'], [a.action, 'Action'],
          [a.node || '', 'Node'], [a.process || '', 'Process'], [a.result, 'Result'],
        ];
        for (const [text, label] of cells) {
          const td = el('td', null, text);
          td.dataset.label = label;
          tr.append(td);
        }
        tr.lastChild.className = a.result === 'ok' ? 'ok' : 'bad';
        body.append(tr);
      }
      setText($('a-shown'), rows.length + (rows.length === 1 ? ' entry' : ' entries'));
    } catch (e) {
      show($('a-error'), 'error', errText(e));
    }
  }

  /* ---- users ---- */

  function envsText(e) {
    if (Array.isArray(e)) return e.join(',');
    return e || '';
  }

  /* "a, b" -> ["a", "b"]; "" -> [] (every environment) */
  function envsList(text) {
    return text.split(',').map((x) => x.trim()).filter((x) => x);
  }

  async function loadUsers() {
    show($('u-error'), 'error', '');
    const body = $('users-body');
    try {
      const users = await call('GET', 'users');
      body.textContent = '';
      for (const u of users) body.append(userRow(u));
    } catch (e) {
      show($('u-error'), 'error', 'Cannot list the users: ' + errText(e));
    }
  }

  function userRow(u) {
    const name = u.name ?? u.user ?? u.username;
    const tr = el('tr');
    tr.dataset.user = name;
    const td = (label) => {
      const c = el('td');
      c.dataset.label = label;
      tr.append(c);
      return c;
    };
    td('User').textContent = name;
    const role = el('select');
    role.setAttribute('aria-label', 'Role of ' + name);
    for (const r of ['viewer', 'operator', 'admin']) {
      const o = el('option', null, r);
      o.value = r;
      role.append(o);
    }
    role.value = u.role;
    td('Role').append(role);
    const envs = el('input');
    envs.value = envsText(u.environments);
    envs.placeholder = 'all';
    envs.setAttribute('aria-label', 'Environments of ' + name);
    td('Environments').append(envs);
    const pass = el('input');
    pass.type = 'password';
    pass.autocomplete = 'new-password';
    pass.placeholder = 'unchanged';
    pass.setAttribute('aria-label', 'New password for ' + name);
    td('New password').append(pass);
    const acts = td('Actions');
    const result = el('div', 'result');
    result.setAttribute('role', 'status');
    const save = button('Save', { 'data-act': 'save', 'aria-label': 'Save ' + name });
    save.addEventListener('click', async () => {
      const body = { role: role.value, environments: envsList(envs.value) };
      if (pass.value) body.password = pass.value;
      show(result, 'pending', 'Saving…');
      try {
        await call('POST', 'users/' + enc1(name), body);
        pass.value = '';
        show(result, 'ok', 'saved');
      } catch (e) {
        show(result, 'error', errText(e));
      }
    });
    const del = button('Delete', { 'data-act': 'delete', 'aria-label': 'Delete ' + name });
    del.addEventListener('click', async () => {
      if (del.dataset.armed !== 'yes') {
        del.dataset.armed = 'yes';
        del.textContent = 'Really delete?';
        setTimeout(() => { del.dataset.armed = ''; del.textContent = 'Delete'; }, 5000);
        return;
      }
      show(result, 'pending', 'Deleting…');
      try {
        await call('DELETE', 'users/' + enc1(name));
        tr.remove();
      } catch (e) {
        show(result, 'error', errText(e));
      }
    });
    acts.append(save, del, result);
    return tr;
  }

  async function addUser(ev) {
    ev.preventDefault();
    const result = $('u-add-result');
    const body = {
      username: $('u-name').value.trim(),
      password: $('u-pass').value,
      role: $('u-role').value,
      environments: envsList($('u-envs').value),
    };
    if (!body.username || !body.password) {
      show(result, 'error', 'A user needs a name and a password.');
      return;
    }
    show(result, 'pending', 'Adding…');
    try {
      await call('POST', 'users', body);
      $('u-add').reset();
      show(result, 'ok', 'added ' + body.username);
      loadUsers();
    } catch (e) {
      show(result, 'error', errText(e));
    }
  }

  /* ---- my password ---- */

  async function changePassword(ev) {
    ev.preventDefault();
    const result = $('pw-result');
    const old = $('pw-old').value, pw = $('pw-new').value;
    if (pw !== $('pw-again').value) {
      show(result, 'error', 'The two new passwords differ.');
      return;
    }
    if (pw.length < 8) {
      show(result, 'error', 'The new password needs 8 characters or more.');
      return;
    }
    show(result, 'pending', 'Changing…');
    try {
      await call('POST', 'session/password', { old, new: pw });
      $('pw-form').reset();
      show(result, 'ok', 'Password changed.');
    } catch (e) {
      show(result, 'error', errText(e));
    }
  }

  /* ---- wiring ---- */

  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  $('filters').addEventListener('input', onFilter);
  $('filters').addEventListener('change', onFilter);
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('filters').addEventListener('reset', (ev) => {
    ev.preventDefault();
    for (const k of FILTERS) st.filters[k] = '';
    syncFilterControls();
    filtersToHash();
    render();
  });
  $('counts').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-state]');
    if (!b) return;
    st.filters.state = b.dataset.state === st.filters.state ? '' : b.dataset.state;
    syncFilterControls();
    filtersToHash();
    render();
  });
  $('more-rows').addEventListener('click', () => {
    st.rowLimit += ROWS_PAGE;
    renderRows();
  });
  $('select-all').addEventListener('change', () => {
    const on = $('select-all').checked;
    for (const tr of $('procs-body').children) {
      if (on) st.selected.add(tr.dataset.key);
      else st.selected.delete(tr.dataset.key);
    }
    renderRows();
  });
  for (const b of document.querySelectorAll('[data-bulk]')) b.addEventListener('click', () => askBulk(b.dataset.bulk));
  $('confirm-yes').addEventListener('click', runBulk);
  $('confirm-no').addEventListener('click', cancelBulk);
  $('job-cancel').addEventListener('click', cancelJob);
  $('jobs').addEventListener('toggle', () => { if ($('jobs').open) loadJobs(false); });
  $('job-close').addEventListener('click', () => { stopJob(); st.job = null; renderJob(null); });
  $('a-filters').addEventListener('submit', loadAudit);
  $('a-node').addEventListener('change', () => loadAudit());
  $('a-limit').addEventListener('change', () => loadAudit());
  $('u-add').addEventListener('submit', addUser);
  $('pw-form').addEventListener('submit', changePassword);

  $('log-stdout').addEventListener('click', () => openLog(log.node, log.ns, 'stdout'));
  $('log-stderr').addEventListener('click', () => openLog(log.node, log.ns, 'stderr'));
  $('log-close').addEventListener('click', closeLog);
  $('log-earlier').addEventListener('click', loadEarlier);
  $('log-search').addEventListener('input', () => { log.cur = -1; renderLog(false, true); });
  $('log-search').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      gotoMatch(ev.shiftKey ? -1 : 1);
    }
  });
  $('log-next').addEventListener('click', () => gotoMatch(1));
  $('log-prev').addEventListener('click', () => gotoMatch(-1));
  $('log-follow').addEventListener('change', () => {
    if ($('log-follow').checked) {
      const pre = $('log-text');
      pre.scrollTop = pre.scrollHeight;
      pollLog();
    }
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('logview').hidden) closeLog();
  });
  document.addEventListener('visibilitychange', () => {
    if (!st.session) return;
    if (document.hidden) {
      stopPolling();
      setConn('paused', 'paused');
    } else if (st.view === 'processes') {
      pollNow();
    }
    if (!document.hidden && !$('logview').hidden) pollLog();
  });

  /* start: an existing session (the cookie survives a reload), else login */
  (async function start() {
    try {
      const r = await fetch(API + 'session', { credentials: 'same-origin', cache: 'no-store' });
      const j = await r.json();
      if (r.ok && j.result) {
        loggedIn(j.result);
        return;
      }
    } catch (e) { /* not logged in */ }
    showLogin('');
  })();
})();
