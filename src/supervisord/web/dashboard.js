/* The dashboard: live process table from the server-sent events of
 * /api/v1/events (doc/api.md), actions as POSTs to the JSON API carrying
 * the CSRF token, and a log viewer over /api/v1/.../log/.../range.
 * Every piece of data reaches the page through textContent, never as HTML. */
'use strict';
(function () {
  const API = '../api/v1/';
  const STOPPED_LIKE = new Set(['STOPPED', 'EXITED', 'FATAL', 'UNKNOWN']);
  const RUNNING_LIKE = new Set(['STARTING', 'RUNNING', 'BACKOFF', 'STOPPING']);
  const $ = (id) => document.getElementById(id);
  const meta = document.querySelector('meta[name="csrf-token"]');
  let token = meta ? meta.content : '';

  const procs = new Map();   /* ns -> record from the feed, plus cpu and rss */
  const rows = new Map();    /* ns -> {tr, cells} */
  const groups = new Map();  /* group name -> {section, tbody, counts} */
  let clockSkew = 0;         /* Date.now() - the server's clock, ms */
  let collapsed = new Set();
  try {
    collapsed = new Set(JSON.parse(localStorage.getItem('supervisor.collapsed') || '[]'));
  } catch (e) { /* private mode: not remembered */ }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function button(label, act, title) {
    const b = el('button', null, label);
    b.type = 'button';
    b.dataset.act = act;
    if (title) b.title = title;
    return b;
  }

  /* ---- formatting ---- */

  function pad2(n) { return n < 10 ? '0' + n : String(n); }

  /* Supervisor's uptime text: "1:02:03", "2 days, 1:02:03" */
  function uptime(sec) {
    sec = Math.max(0, Math.floor(sec));
    const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24;
    const m = Math.floor(sec / 60) % 60, s = sec % 60;
    const hms = h + ':' + pad2(m) + ':' + pad2(s);
    return d ? d + (d === 1 ? ' day, ' : ' days, ') + hms : hms;
  }

  function bytes(n) {
    if (n === undefined || n === null) return '';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
  }

  function serverNow() { return Date.now() - clockSkew; }

  function describe(p) {
    switch (p.statename) {
      case 'RUNNING':
        return 'pid ' + p.pid + ', uptime ' + uptime((serverNow() - p.start) / 1000);
      case 'FATAL':
      case 'BACKOFF':
        return p.spawnerr || 'unknown error (try "tail ' + p.name + '")';
      case 'STOPPED':
      case 'EXITED':
        return p.start ? new Date(p.stop || p.start).toLocaleString() : 'Not started';
      default:
        return '';
    }
  }

  function exitText(p) {
    if (p.exitstatus === null || p.exitstatus === undefined) return '';
    const code = p.exitstatus < 0 ? 'signal' : String(p.exitstatus);
    return p.statename === 'EXITED' ? code + (p.expected ? ' (expected)' : ' (unexpected)') : code;
  }

  function isProblem(p) {
    return p.statename === 'FATAL' || p.statename === 'BACKOFF' || p.statename === 'UNKNOWN' ||
      (p.statename === 'EXITED' && !p.expected);
  }

  /* ---- the table ---- */

  function groupOf(name) {
    let g = groups.get(name);
    if (g) return g;
    const section = el('section', 'group');
    section.dataset.group = name;
    if (collapsed.has(name)) section.classList.add('collapsed');
    const head = el('div', 'group-head');
    const toggle = el('button', 'toggle', name);
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', String(!collapsed.has(name)));
    toggle.addEventListener('click', () => {
      const now = section.classList.toggle('collapsed');
      toggle.setAttribute('aria-expanded', String(!now));
      if (now) collapsed.add(name); else collapsed.delete(name);
      try {
        localStorage.setItem('supervisor.collapsed', JSON.stringify([...collapsed]));
      } catch (e) { /* not remembered */ }
    });
    const counts = el('span', 'group-counts');
    const acts = el('span', 'group-actions');
    const result = el('div', 'result');
    result.setAttribute('role', 'status');
    for (const [label, act] of [['Start', 'start'], ['Stop', 'stop'], ['Restart', 'restart'],
      ['Clear logs', 'clearlog']]) {
      const b = button(label, act, label + ' of every process of ' + name);
      b.addEventListener('click', () => groupAction(name, act, result));
      acts.append(b);
    }
    head.append(toggle, counts, acts, result);
    const table = el('table', 'procs');
    const thead = el('thead');
    const tr = el('tr');
    for (const h of ['State', 'Name', 'Description', 'PID', 'Uptime', 'Exit', 'Restarts', 'CPU', 'Memory', 'Actions'])
      tr.append(el('th', null, h));
    thead.append(tr);
    const tbody = el('tbody');
    table.append(thead, tbody);
    section.append(head, table);
    g = { section, tbody, counts };
    groups.set(name, g);
    /* groups in name order */
    const main = $('groups');
    const after = [...main.querySelectorAll('section.group')].find((s) => s.dataset.group > name);
    main.insertBefore(section, after || null);
    $('empty').hidden = true;
    return g;
  }

  function rowOf(p) {
    let r = rows.get(p.ns);
    if (r) return r;
    const tr = el('tr');
    tr.dataset.ns = p.ns;
    const cell = (cls, label) => {
      const td = el('td', cls);
      if (label) td.dataset.label = label;
      tr.append(td);
      return td;
    };
    const c = {
      state: cell('c-state'),
      name: cell('c-name'),
      desc: cell('c-desc'),
      pid: cell('c-pid num', 'PID'),
      uptime: cell('c-uptime num', 'Uptime'),
      exit: cell('c-exit num', 'Exit'),
      restarts: cell('c-restarts num', 'Restarts'),
      cpu: cell('c-cpu num', 'CPU'),
      rss: cell('c-rss num', 'Memory'),
      actions: cell('c-actions'),
    };
    c.badge = el('span', 'badge');
    c.state.append(c.badge);
    c.name.textContent = p.name;
    const acts = el('div', 'actions');
    c.result = el('div', 'result');
    c.result.setAttribute('role', 'status');
    c.buttons = {
      start: button('Start', 'start'),
      stop: button('Stop', 'stop'),
      restart: button('Restart', 'restart'),
      clearlog: button('Clear log', 'clearlog'),
      log: button('Log', 'log', 'Follow the stdout and stderr logs'),
    };
    for (const [act, b] of Object.entries(c.buttons)) {
      b.addEventListener('click', () => {
        if (act === 'log') openLog(p.ns, 'stdout');
        else procAction(p.ns, act, c.result);
      });
      acts.append(b);
    }
    c.actions.append(acts, c.result);
    r = { tr, c, group: p.group };
    rows.set(p.ns, r);
    /* processes in name order within the group */
    const g = groupOf(p.group);
    const after = [...g.tbody.children].find((x) => x.dataset.ns > p.ns);
    g.tbody.insertBefore(tr, after || null);
    return r;
  }

  function paint(p) {
    const r = rowOf(p);
    const c = r.c;
    r.tr.dataset.state = p.statename;
    r.tr.classList.toggle('unexpected', p.statename === 'EXITED' && !p.expected);
    c.badge.textContent = p.statename;
    c.desc.textContent = describe(p);
    c.pid.textContent = p.pid ? String(p.pid) : '';
    c.uptime.textContent = p.statename === 'RUNNING' ? uptime((serverNow() - p.start) / 1000) : '';
    c.exit.textContent = exitText(p);
    c.restarts.textContent = String(p.restarts);
    c.cpu.textContent = p.pid && p.cpu !== undefined ? p.cpu.toFixed(2) + ' s' : '';
    c.rss.textContent = p.pid && p.rss !== undefined ? bytes(p.rss) : '';
    c.buttons.start.disabled = RUNNING_LIKE.has(p.statename);
    c.buttons.stop.disabled = STOPPED_LIKE.has(p.statename);
    c.buttons.clearlog.disabled = !p.stdout && !p.stderr;
    c.buttons.log.disabled = !p.stdout && !p.stderr;
  }

  function visible(p) {
    const q = $('filter-name').value.trim().toLowerCase();
    const st = $('filter-state').value;
    if (q && !p.ns.toLowerCase().includes(q)) return false;
    if (st === 'problems') return isProblem(p);
    return !st || p.statename === st;
  }

  /* Filters, per-group counts and the totals. */
  function refilter() {
    const per = new Map();
    let shown = 0, running = 0;
    for (const p of procs.values()) {
      const r = rows.get(p.ns);
      if (!r) continue;
      const v = visible(p);
      r.tr.hidden = !v;
      const k = per.get(p.group) || { n: 0, run: 0, shown: 0 };
      k.n++;
      if (p.statename === 'RUNNING') { k.run++; running++; }
      if (v) { k.shown++; shown++; }
      per.set(p.group, k);
    }
    for (const [name, g] of groups) {
      const k = per.get(name) || { n: 0, run: 0, shown: 0 };
      g.counts.textContent = k.run + '/' + k.n + ' running';
      g.section.hidden = k.shown === 0;
    }
    $('counts').textContent = procs.size + ' processes, ' + running + ' running' +
      (shown !== procs.size ? ', ' + shown + ' shown' : '');
  }

  let refilterQueued = false;
  function queueRefilter() {
    if (refilterQueued) return;
    refilterQueued = true;
    requestAnimationFrame(() => { refilterQueued = false; refilter(); });
  }

  function merge(p) {
    const old = procs.get(p.ns);
    if (old && old.pid === p.pid && p.pid) { p.cpu = old.cpu; p.rss = old.rss; }
    procs.set(p.ns, p);
    paint(p);
  }

  function snapshot(d) {
    const seen = new Set();
    for (const p of d.processes) { seen.add(p.ns); merge(p); }
    for (const [ns, r] of rows) {
      if (seen.has(ns)) continue;
      r.tr.remove();
      rows.delete(ns);
      procs.delete(ns);
    }
    for (const [name, g] of groups) {
      if (g.tbody.children.length) continue;
      g.section.remove();
      groups.delete(name);
    }
    $('empty').hidden = procs.size > 0;
    if (!procs.size) $('empty').textContent = 'No programs to manage';
    refilter();
  }

  function head(d) {
    clockSkew = Date.now() - d.now;
    $('daemon').textContent = d.state === 'RUNNING' ? '' : 'daemon ' + d.state;
  }

  /* ---- the feed ---- */

  let source = null;
  function setConn(state, text) {
    const c = $('conn');
    c.dataset.conn = state;
    c.textContent = text || state;
  }

  function connect() {
    setConn('connecting');
    source = new EventSource(API + 'events');
    source.addEventListener('hello', (ev) => {
      const h = JSON.parse(ev.data);
      token = h.token;
      $('ident').textContent = h.identification;
      $('version').textContent = h.version;
      document.title = h.identification + ' dashboard';
      setConn('live');
    });
    source.addEventListener('snapshot', (ev) => {
      const d = JSON.parse(ev.data);
      head(d);
      snapshot(d);
    });
    source.addEventListener('change', (ev) => {
      const d = JSON.parse(ev.data);
      head(d);
      for (const p of d.processes) merge(p);
      queueRefilter();
    });
    source.addEventListener('stats', (ev) => {
      const d = JSON.parse(ev.data);
      head(d);
      for (const [ns, cpu, rss] of d.usage) {
        const p = procs.get(ns);
        if (!p) continue;
        p.cpu = cpu;
        p.rss = rss;
        paint(p);
      }
    });
    source.onopen = () => setConn('live');
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        /* refused (too many streams, auth): try again later ourselves */
        setConn('reconnecting', 'disconnected');
        source.close();
        setTimeout(connect, 5000);
      } else {
        setConn('reconnecting');
      }
    };
  }

  /* ---- actions ---- */

  function show(resultEl, cls, text) {
    resultEl.className = 'result ' + cls;
    resultEl.textContent = text;
  }

  async function post(path) {
    const r = await fetch(API + path, {
      method: 'POST',
      headers: { 'X-CSRF-Token': token },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (r.ok && body && 'result' in body) return body.result;
    const err = body && body.error ? body.error : { name: 'HTTP ' + r.status, message: r.statusText };
    const e = new Error(err.message || err.name);
    e.api = err;
    throw e;
  }

  const PAST = { start: 'started', stop: 'stopped', restart: 'restarted', clearlog: 'logs cleared' };
  const ING = { start: 'starting', stop: 'stopping', restart: 'restarting', clearlog: 'clearing logs' };

  async function procAction(ns, act, resultEl) {
    show(resultEl, 'pending', ING[act] + '…');
    try {
      await post('processes/' + encodeURIComponent(ns) + '/' + act);
      show(resultEl, 'ok', PAST[act]);
    } catch (e) {
      let text = e.message;
      if (act === 'start' || act === 'restart') {
        /* a start that failed: the spawn error the process recorded, read
         * now (the event that carries it may still be on its way) */
        try {
          const r = await fetch(API + 'processes/' + encodeURIComponent(ns),
            { credentials: 'same-origin', cache: 'no-store' });
          const info = (await r.json()).result;
          if (info && info.spawnerr && !text.includes(info.spawnerr)) text += ' \u2014 ' + info.spawnerr;
        } catch (e2) { /* the fault alone then */ }
      }
      show(resultEl, 'error', text);
    }
  }

  /* Results of group and "all" actions: an array of {name, group, status,
   * description}, or {stopped, started} for a restart. */
  function summarize(res) {
    const list = Array.isArray(res) ? res : [].concat(res.stopped || [], res.started || []);
    const bad = list.filter((x) => x.status !== 80);
    const n = Array.isArray(res) ? list.length : (res.started || []).length;
    if (!bad.length) return { ok: true, text: n + (n === 1 ? ' process' : ' processes') };
    return {
      ok: false,
      text: bad.map((x) => (x.group === x.name ? x.name : x.group + ':' + x.name) + ': ' + x.description).join('\n'),
    };
  }

  /* The API has no clearlog for a group: one per process, as
   * clearAllProcessLogs would answer. */
  async function clearGroupLogs(name) {
    const out = [];
    for (const p of procs.values()) {
      if (p.group !== name || (!p.stdout && !p.stderr)) continue;
      try {
        await post('processes/' + encodeURIComponent(p.ns) + '/clearlog');
        out.push({ name: p.name, group: p.group, status: 80, description: 'OK' });
      } catch (e) {
        out.push({ name: p.name, group: p.group, status: (e.api && e.api.code) || 30, description: e.message });
      }
    }
    return out;
  }

  async function groupAction(name, act, resultEl) {
    show(resultEl, 'pending', ING[act] + '…');
    try {
      const s = summarize(act === 'clearlog' ? await clearGroupLogs(name)
        : await post('groups/' + encodeURIComponent(name) + '/' + act));
      show(resultEl, s.ok ? 'ok' : 'error', s.ok ? name + ': ' + PAST[act] + ' (' + s.text + ')' : s.text);
    } catch (e) {
      show(resultEl, 'error', e.message);
    }
  }

  async function allAction(act) {
    const resultEl = $('all-result');
    show(resultEl, 'pending', ING[act] + ' all…');
    try {
      const s = summarize(await post('all/' + act));
      show(resultEl, s.ok ? 'ok' : 'error', s.ok ? 'all ' + PAST[act] + ' (' + s.text + ')' : s.text);
    } catch (e) {
      show(resultEl, 'error', e.message);
    }
  }

  /* ---- the log viewer ---- */

  const CHUNK = 65536;
  const MAX_TEXT = 2 * 1024 * 1024;
  const enc = new TextEncoder();
  const log = { ns: null, ch: 'stdout', start: 0, end: 0, text: '', timer: null, busy: false, gen: 0 };

  function logUrl(query) {
    if (log.ns === null) return API + 'log/range?' + query;
    return API + 'processes/' + encodeURIComponent(log.ns) + '/log/' + log.ch + '/range?' + query;
  }

  async function fetchRange(query) {
    const r = await fetch(logUrl(query), { credentials: 'same-origin', cache: 'no-store' });
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok || !body || !body.result) {
      const err = body && body.error ? body.error.message : 'HTTP ' + r.status;
      throw new Error(err);
    }
    return body.result;
  }

  function logStatus(text) { $('log-status').textContent = text || ''; }

  function atBottom(pre) { return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40; }

  /* The whole text again (search results, or after loading earlier parts). */
  function renderLog() {
    const pre = $('log-text');
    const q = $('log-search').value;
    const stick = $('log-follow').checked;
    pre.textContent = '';
    if (!q) {
      pre.textContent = log.text;
      $('log-matches').textContent = log.start > 0 ? 'from byte ' + log.start : '';
    } else {
      const needle = q.toLowerCase();
      let n = 0;
      const frag = document.createDocumentFragment();
      for (const line of log.text.split('\n')) {
        const low = line.toLowerCase();
        let i = low.indexOf(needle);
        if (i < 0) continue;
        n++;
        let from = 0;
        while (i >= 0) {
          frag.append(line.slice(from, i));
          frag.append(el('mark', null, line.slice(i, i + q.length)));
          from = i + q.length;
          i = low.indexOf(needle, from);
        }
        frag.append(line.slice(from) + '\n');
      }
      pre.append(frag);
      $('log-matches').textContent = n + (n === 1 ? ' matching line' : ' matching lines');
    }
    if (stick) pre.scrollTop = pre.scrollHeight;
  }

  function appendLog(data) {
    if (!data) return;
    const pre = $('log-text');
    const stick = $('log-follow').checked && atBottom(pre);
    log.text += data;
    if (log.text.length > MAX_TEXT) {
      /* keep the newest part; the oldest can be loaded again */
      let cut = log.text.indexOf('\n', log.text.length - MAX_TEXT);
      cut = cut < 0 ? log.text.length - MAX_TEXT : cut + 1;
      log.start += enc.encode(log.text.slice(0, cut)).length;
      log.text = log.text.slice(cut);
      renderLog();
      return;
    }
    if ($('log-search').value) {
      renderLog();
      return;
    }
    pre.append(data);
    if (stick) pre.scrollTop = pre.scrollHeight;
  }

  async function loadTail() {
    const gen = log.gen;
    const r = await fetchRange('offset=-' + CHUNK);
    if (gen !== log.gen) return;
    log.start = r.offset;
    log.end = r.end;
    log.text = r.data;
    renderLog();
    $('log-earlier').disabled = log.start === 0;
  }

  async function poll() {
    if (log.busy || !$('log-follow').checked || $('logview').hidden) return;
    log.busy = true;
    const gen = log.gen;
    try {
      const r = await fetchRange('offset=' + log.end);
      if (gen !== log.gen) return;
      logStatus('');
      if (r.size < log.end) {
        logStatus('the log was cleared or rotated: reloaded');
        await loadTail();
      } else if (r.end > log.end) {
        log.end = r.end;
        appendLog(r.data);
      }
    } catch (e) {
      if (gen === log.gen) logStatus(e.message);
    } finally {
      log.busy = false;
    }
  }

  async function earlier() {
    if (log.start === 0 || log.busy) return;
    log.busy = true;
    const gen = log.gen;
    try {
      const from = Math.max(0, log.start - CHUNK);
      const r = await fetchRange('offset=' + from + '&length=' + (log.start - from));
      if (gen !== log.gen) return;
      log.text = r.data + log.text;
      log.start = r.offset;
      const pre = $('log-text');
      const keep = pre.scrollHeight - pre.scrollTop;
      $('log-follow').checked = false;
      renderLog();
      pre.scrollTop = pre.scrollHeight - keep;
      $('log-earlier').disabled = log.start === 0;
    } catch (e) {
      logStatus(e.message);
    } finally {
      log.busy = false;
    }
  }

  async function openLog(ns, ch) {
    log.gen++;
    log.ns = ns;
    log.ch = ch;
    log.text = '';
    log.start = log.end = 0;
    log.busy = false;
    $('logview').hidden = false;
    $('log-tabs').hidden = ns === null;
    $('log-title').textContent = ns === null ? 'main log' : ns;
    for (const t of ['stdout', 'stderr']) {
      $('log-' + t).setAttribute('aria-pressed', String(ns !== null && t === ch));
      const p = ns === null ? null : procs.get(ns);
      $('log-' + t).disabled = !!p && !p[t];
    }
    $('log-text').textContent = '';
    $('log-follow').checked = true;
    logStatus('');
    try {
      await loadTail();
    } catch (e) {
      logStatus(e.message);
    }
    if (!log.timer) log.timer = setInterval(poll, 1000);
  }

  function closeLog() {
    log.gen++;
    $('logview').hidden = true;
    clearInterval(log.timer);
    log.timer = null;
  }

  /* ---- wiring ---- */

  for (const b of document.querySelectorAll('[data-all]'))
    b.addEventListener('click', () => allAction(b.dataset.all));
  $('mainlog').addEventListener('click', () => openLog(null, 'stdout'));
  $('log-stdout').addEventListener('click', () => openLog(log.ns, 'stdout'));
  $('log-stderr').addEventListener('click', () => openLog(log.ns, 'stderr'));
  $('log-close').addEventListener('click', closeLog);
  $('log-earlier').addEventListener('click', earlier);
  $('log-search').addEventListener('input', renderLog);
  $('log-follow').addEventListener('change', () => { if ($('log-follow').checked) poll(); });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('logview').hidden) closeLog();
  });
  $('filter-name').addEventListener('input', refilter);
  $('filter-state').addEventListener('change', refilter);
  /* uptimes move on between events */
  setInterval(() => {
    for (const p of procs.values()) {
      if (p.statename !== 'RUNNING') continue;
      const r = rows.get(p.ns);
      if (!r) continue;
      r.c.uptime.textContent = uptime((serverNow() - p.start) / 1000);
      r.c.desc.textContent = describe(p);
    }
  }, 1000);
  connect();
})();
