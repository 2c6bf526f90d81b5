// The dashboard page: the runs list (live over server-sent events), the charts of the ticked runs (refetched when
// they change, refined when zoomed) and a run's page. Every figure comes from the JSON API (docs/dashboard.md).
'use strict';

(() => {
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  const state = {
    runs: new Map(),        // id -> run row
    selected: [],           // ids in the order ticked (their colours)
    details: new Map(),     // id -> /api/run answer (keys, walkers)
    ranges: new Map(),      // key -> [from, to] while zoomed
    drawing: new Map(),     // key -> { busy, again: the reason of a draw asked for meanwhile }
    curves: new Map(),      // run\nstage\nkey -> { stage, range, mark, curve, buckets } held for live tails
    firstList: true,
  };
  const $ = id => document.getElementById(id);

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function showError(message) {
    $('error').hidden = !message;
    $('error').textContent = message || '';
  }

  // A source that cannot be read (the database unreachable): a banner over the list, which still shows the others.
  function showSourceErrors(errors) {
    const banner = $('source-errors');
    banner.hidden = !errors || errors.length === 0;
    banner.replaceChildren(...(errors || []).map(e => Object.assign(document.createElement('div'), { textContent: `${e.source}: ${e.error}` })));
  }

  const fmt = (v, digits) => v === null || v === undefined ? '–' : Number(v).toFixed(digits);
  // A run directory's PostgreSQL spool backlog (as `jaqmc runs` shows it); empty when nothing waits.
  const spooledText = spooled => !spooled ? ''
    : spooled.records > 0 ? `${spooled.records.toLocaleString()} records + ${spooled.stageChanges} stage frames`
    : `${spooled.stageChanges} stage frames`;
  const colorOf = id => palette[state.selected.indexOf(id) % palette.length];

  // ---- runs list ----
  function renderRuns() {
    const filter = $('filter').value.trim().toLowerCase();
    const status = $('status-filter').value;
    const tbody = document.querySelector('#runs tbody');
    const rows = [...state.runs.values()]
      .sort((a, b) => (b.updated || '').localeCompare(a.updated || ''))
      .filter(r => (!filter || r.name.toLowerCase().includes(filter)) && (!status || r.status === status));
    tbody.replaceChildren(...rows.map(run => {
      const tr = document.createElement('tr');
      tr.dataset.id = run.id;
      const selected = state.selected.includes(run.id);
      tr.classList.toggle('selected', selected);
      const cells = [
        ['', null], [run.name, 'name'], [run.source], [run.host || ''], [run.status, 'status'], [run.stage || '–'],
        [run.step ?? '–', 'num'], [fmt(run.energy, 6), 'num'],
        [run.evaluation ? `${fmt(run.evaluation.mean, 6)} ± ${fmt(run.evaluation.error, 6)}` : '–', 'num'],
        [spooledText(run.spooled), 'spooled'],
        [run.updated ? new Date(run.updated).toLocaleString() : '–'],
      ];
      for (const [text, kind] of cells) {
        const td = document.createElement('td');
        if (kind === null) {
          const box = document.createElement('input');
          box.type = 'checkbox';
          box.className = 'select-run';
          box.checked = selected;
          box.setAttribute('aria-label', 'overlay ' + run.name);
          box.addEventListener('change', () => toggle(run.id, box.checked));
          td.append(box);
          if (selected) {
            const swatch = document.createElement('span');
            swatch.className = 'swatch';
            swatch.style.background = colorOf(run.id);
            td.append(swatch);
          }
        } else if (kind === 'name') {
          const a = document.createElement('a');
          a.href = '#run=' + encodeURIComponent(run.id);
          a.textContent = text;
          td.append(a);
        } else {
          td.textContent = text;
          if (kind === 'num') td.className = 'num';
          if (kind === 'status') td.className = 'status-' + text;
          if (kind === 'spooled' && run.spooled) { td.className = 'spooled'; td.title = `${run.spooled.bytes.toLocaleString()} bytes in the PostgreSQL spool, not yet uploaded; 'jaqmc sync' uploads them`; }
        }
        tr.append(td);
      }
      return tr;
    }));
  }

  function toggle(id, on) {
    state.selected = on ? [...state.selected.filter(s => s !== id), id] : state.selected.filter(s => s !== id);
    renderRuns();
    redrawAll('view');
  }

  function applyRuns(update) {
    if (update.full) state.runs.clear();
    for (const run of update.runs) state.runs.set(run.id, run);
    for (const id of update.removed || []) state.runs.delete(id);
    if (state.firstList && state.runs.size > 0) {
      state.firstList = false;
      if (state.selected.length === 0) state.selected = [[...state.runs.values()].sort((a, b) => (b.updated || '').localeCompare(a.updated || ''))[0].id];
      redrawAll();
    }
    renderRuns();
  }

  // ---- charts ----
  const keys = () => $('keys').value.split(',').map(k => k.trim()).filter(k => k);

  async function detail(id) {
    if (!state.details.has(id)) {
      const d = await getJson('/api/run?id=' + encodeURIComponent(id));
      state.details.set(id, d);
      const known = new Set([...state.details.values()].flatMap(x => Object.values(x.keys).flat()));
      $('known-keys').replaceChildren(...[...known].sort().map(k => Object.assign(document.createElement('option'), { value: k })));
    }
    return state.details.get(id);
  }

  function chartDiv(key, index) {
    let div = document.querySelector(`.chart[data-key="${CSS.escape(key)}"]`);
    if (!div) {
      div = document.createElement('div');
      div.className = 'chart';
      div.id = 'chart-' + index;
      div.dataset.key = key;
      div.dataset.draws = '0';
      $('charts').append(div);
    }
    return div;
  }

  function curveUrl(id, stage, key, range) {
    const q = new URLSearchParams({ run: id, stage, key });
    if (range) { q.set('from', Math.max(0, Math.floor(range[0]))); q.set('to', Math.max(0, Math.ceil(range[1]))); }
    return '/api/curve?' + q;
  }

  // Replaces the buckets of `held` from the tail's first bucket on with the tail's (same grid: the server aligns).
  function mergeTail(held, tail) {
    let n = held.step.length;
    while (n > 0 && held.step[n - 1] >= tail.since) n--;
    const merged = { ...held };
    for (const f of ['step', 'lastStep', 'count', 'min', 'max', 'mean', 'last']) merged[f] = held[f].slice(0, n).concat(tail[f]);
    return merged;
  }

  // What a held curve stays valid for: a resume cuts the run's files back, so its buckets past the resume are gone.
  const stageMark = (run, stage) => { const s = run && run.stages.find(x => x.name === stage); return s ? `${s.firstStep}|${s.resumes.join(',')}` : ''; };

  // The curve of one run, key and stage. Live (a run wrote, not zoomed): only the tail since the last bucket held
  // is fetched and merged, a few hundred bytes instead of the whole curve; once it holds twice the buckets it
  // started with, the whole curve is fetched again (a coarser grid). A view change redraws what is held.
  async function fetchCurve(id, stage, key, range, reason) {
    const slot = `${id}\n${stage}\n${key}`;
    const held = state.curves.get(slot);
    const run = state.runs.get(id);
    const same = held && held.stage === stage && JSON.stringify(held.range) === JSON.stringify(range) && held.mark === stageMark(run, stage);
    try {
      if (same && reason === 'view') return held.curve;
      if (same && reason === 'live' && !range && held.curve.step.length > 0) {
        const c = held.curve;
        const q = new URLSearchParams({ run: id, stage, key, since: c.step[c.step.length - 1], width: c.stepsPerBucket });
        const merged = mergeTail(c, await getJson('/api/curve?' + q));
        if (merged.step.length <= 2 * Math.max(held.buckets, 100)) {
          held.curve = merged;
          return merged;
        }
      }
      const curve = await getJson(curveUrl(id, stage, key, range));
      state.curves.set(slot, { stage, range, mark: stageMark(run, stage), curve, buckets: curve.step.length });
      return curve;
    } catch {
      state.curves.delete(slot);
      return null;
    }
  }

  async function drawKey(key, index, reason) {
    const slot = state.drawing.get(key) || { busy: false, again: null };
    state.drawing.set(key, slot);
    // A draw asked for while one runs is done after it, with the broadest reason asked (full > live > view).
    const rank = r => ({ view: 0, live: 1, full: 2 })[r];
    if (slot.busy) { if (!slot.again || rank(reason) > rank(slot.again)) slot.again = reason; return; }
    slot.busy = true;
    try {
      do {
        if (slot.again) { reason = slot.again; slot.again = null; }
        const div = chartDiv(key, index);
        const stage = $('stage').value;
        const range = state.ranges.get(key) || null;
        const series = [];
        for (const id of state.selected) {
          const run = state.runs.get(id);
          const curve = await fetchCurve(id, stage, key, range, reason);
          if (!run || !curve || curve.step.length === 0) continue;
          let band = null;
          if (key === 'total_energy' && $('band').checked) {
            const d = await detail(id).catch(() => null);
            const variance = d && d.walkers ? await fetchCurve(id, stage, 'total_energy_var', range, reason) : null;
            if (variance && variance.step.length === curve.step.length) {
              const err = variance.mean.map(v => v === null ? null : Math.sqrt(Math.max(v, 0) / d.walkers));
              band = { lo: curve.mean.map((m, i) => m === null || err[i] === null ? null : m - err[i]), hi: curve.mean.map((m, i) => m === null || err[i] === null ? null : m + err[i]) };
            }
          }
          const stageRow = run.stages.find(s => s.name === stage);
          series.push({ run: id, name: run.name, color: colorOf(id), curve, band, resumes: stageRow ? stageRow.resumes : [] });
        }
        await jaqmcCharts.draw(div, series, { key, smoothing: $('smoothing').value, weight: Number($('weight').value), logY: $('logy').checked, range });
        div.dataset.draws = String(Number(div.dataset.draws) + 1);
        // For scripts and tests: each run's last step drawn.
        div.dataset.lastSteps = JSON.stringify(Object.fromEntries(series.map(s => [s.run, s.curve.lastStep[s.curve.lastStep.length - 1]])));
        div.dataset.runs = String(series.length);
        if (!div.dataset.bound) {
          div.dataset.bound = '1';
          div.on('plotly_relayout', e => zoomed(key, index, e));
        }
      } while (slot.again);
    } finally {
      slot.busy = false;
    }
  }

  // A zoom asks the server for the range at full resolution; a double-click (autorange) goes back to the whole run.
  function zoomed(key, index, e) {
    if (e['xaxis.autorange']) state.ranges.delete(key);
    else if (e['xaxis.range[0]'] !== undefined) state.ranges.set(key, [e['xaxis.range[0]'], e['xaxis.range[1]']]);
    else if (Array.isArray(e['xaxis.range'])) state.ranges.set(key, e['xaxis.range']);
    else return;
    drawKey(key, index, 'full');
  }

  // reason: 'full' fetches every curve, 'live' the tails of runs that wrote, 'view' redraws what is held.
  function redrawAll(reason) {
    const wanted = keys();
    for (const div of [...document.querySelectorAll('.chart')]) {
      if (!wanted.includes(div.dataset.key)) { Plotly.purge(div); div.remove(); }
    }
    wanted.forEach((key, index) => drawKey(key, index, reason || 'full'));
  }

  // ---- a run's page ----
  async function showRunPage() {
    const match = location.hash.match(/^#run=(.+)$/);
    const page = $('run-page');
    if (!match) { page.hidden = true; return; }
    const id = decodeURIComponent(match[1]);
    try {
      const d = await getJson('/api/run?id=' + encodeURIComponent(id));
      state.details.set(id, d);
      const r = d.run;
      const el = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });
      const stages = document.createElement('table');
      stages.append(...[['stage', 'status', 'first step', 'last step', 'resumed at', 'checkpoints', 'keys']].concat(
        r.stages.map(s => [s.name, s.status || '', s.firstStep ?? '–', s.lastStep ?? '–', s.resumes.join(', ') || '–', s.checkpoints.join(', ') || '–', (d.keys[s.name] || []).join(', ')]))
        .map((cells, i) => { const tr = document.createElement('tr'); tr.append(...cells.map(c => el(i === 0 ? 'th' : 'td', String(c)))); return tr; }));
      const close = Object.assign(el('a', 'close'), { href: '#' });
      page.replaceChildren(
        el('h2', `${r.name} (${r.source}, ${r.status})`), close,
        el('p', r.evaluation ? `Evaluation energy: ${fmt(r.evaluation.mean, 6)} ± ${fmt(r.evaluation.error, 6)} Ha (${r.evaluation.steps} steps, blocking analysis)` : 'No evaluation yet.'),
        stages,
        el('h3', 'Configuration'), el('pre', d.config ? JSON.stringify(d.config, null, 2) : 'not recorded'),
        ...(d.files.length ? [el('h3', 'Files'), el('pre', d.files.map(f => `${f.name}  ${f.bytes.toLocaleString()} bytes`).join('\n'))] : []));
      page.hidden = false;
    } catch (e) {
      showError(e.message);
    }
  }

  // ---- live ----
  function connect() {
    const source = new EventSource('/api/live');
    source.addEventListener('open', () => { $('live-state').textContent = 'live'; $('live-state').classList.add('on'); });
    source.addEventListener('error', () => { $('live-state').textContent = 'reconnecting…'; $('live-state').classList.remove('on'); });
    source.addEventListener('runs', message => {
      const update = JSON.parse(message.data);
      showSourceErrors(update.errors);
      const changedSelected = update.full || update.runs.some(r => state.selected.includes(r.id));
      applyRuns(update);
      if (changedSelected && state.selected.length) redrawAll(update.full ? 'full' : 'live');
      if (location.hash.startsWith('#run=') && update.runs.some(r => location.hash === '#run=' + encodeURIComponent(r.id))) showRunPage();
    });
  }

  for (const id of ['filter', 'status-filter']) $(id).addEventListener('input', renderRuns);
  // Another stage has other steps: its zoom starts afresh; smoothing, log y and the band keep the zoom.
  $('stage').addEventListener('change', () => { state.ranges.clear(); redrawAll('full'); });
  for (const id of ['smoothing', 'logy', 'band']) $(id).addEventListener('change', () => redrawAll('view'));
  $('keys').addEventListener('change', () => redrawAll('view'));
  $('weight').addEventListener('input', () => { $('weight-value').textContent = Number($('weight').value).toFixed(2); redrawAll('view'); });
  window.addEventListener('hashchange', showRunPage);

  getJson('/api/runs').then(body => { showSourceErrors(body.errors); applyRuns({ full: true, runs: body.runs }); }).catch(e => showError(e.message));
  showRunPage();
  connect();
})();
