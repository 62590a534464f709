// The live viewer: lists runs and variables over the HTTP API and plots one
// variable over Socket.IO: snapshot first, then live samples, each seq once
// (the protocol of packages/domain/src/socket-events.ts). Plain JS so the page
// needs no build step.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const MAX_POINTS = 20000;
  const tokenInput = $('token');
  tokenInput.value = localStorage.getItem('runstream.token') || '';
  tokenInput.addEventListener('change', () =>
    localStorage.setItem('runstream.token', tokenInput.value),
  );

  const SPECIAL = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
  const decodeNumber = (w) =>
    typeof w === 'object' && w !== null && '$num' in w ? SPECIAL[w.$num] : w;
  const decodeValue = (w) => (Array.isArray(w) ? w.map(decodeNumber) : decodeNumber(w));

  const headers = () => (tokenInput.value ? { authorization: `Bearer ${tokenInput.value}` } : {});
  async function api(path) {
    const res = await fetch(path, { headers: headers() });
    const body = await res.json();
    if (!res.ok) throw new Error(`${res.status} ${body.error ? body.error.message : ''}`);
    return body;
  }
  const setStatus = (text) => ($('status').textContent = text);

  let socket;
  let current; // { run, variable, lastSeq, t: [], v: [] }

  function item(list, label, detail, onClick) {
    const li = document.createElement('li');
    li.textContent = label;
    if (detail) {
      const small = document.createElement('small');
      small.textContent = ` ${detail}`;
      li.append(small);
    }
    li.addEventListener('click', () => {
      for (const other of list.children) other.classList.remove('active');
      li.classList.add('active');
      onClick();
    });
    list.append(li);
  }

  async function loadRuns() {
    try {
      const { runs } = await api('/v1/runs?limit=200');
      $('runs').replaceChildren();
      for (const run of runs) item($('runs'), run.id, run.status, () => loadVariables(run.id));
      setStatus(`${runs.length} runs`);
    } catch (err) {
      setStatus(`runs: ${err.message}`);
    }
  }

  async function loadVariables(run) {
    try {
      const { variables } = await api(`/v1/runs/${encodeURIComponent(run)}/variables`);
      $('variables').replaceChildren();
      for (const v of variables)
        item($('variables'), v.name, `${v.count}`, () => watch(run, v.name));
    } catch (err) {
      setStatus(`variables: ${err.message}`);
    }
  }

  function connect() {
    if (socket) return socket;
    socket = io({ auth: { token: tokenInput.value || undefined } });
    socket.on('connect', () => {
      setStatus('connected');
      if (current) subscribe(current); // resume from the last seq seen
    });
    socket.on('disconnect', () => setStatus('disconnected: reconnecting…'));
    socket.on('connect_error', (err) => setStatus(`socket: ${err.message}`));
    const onChunk = (chunk) => {
      if (!current || chunk.run !== current.run || chunk.variable !== current.variable) return;
      append(chunk);
    };
    socket.on('snapshot', onChunk);
    socket.on('samples', onChunk);
    // The server stopped sending us live events (we fell behind): ask again from the last seq drawn.
    socket.on('resync', (notice) => {
      if (current && notice.run === current.run && notice.variable === current.variable)
        subscribe(current);
    });
    return socket;
  }

  // Drop seqs already drawn; a chunk past a gap waits for the next resubscribe.
  function append(chunk) {
    const skip = current.lastSeq + 1 - chunk.first;
    if (skip < 0) return subscribe(current);
    for (let i = Math.max(0, skip); i < chunk.t.length; i++) {
      current.t.push(chunk.t[i]);
      current.v.push(decodeValue(chunk.v[i]));
    }
    current.lastSeq = Math.max(current.lastSeq, chunk.first + chunk.t.length - 1);
    if (current.t.length > MAX_POINTS) {
      current.t.splice(0, current.t.length - MAX_POINTS);
      current.v.splice(0, current.v.length - MAX_POINTS);
    }
    scheduleDraw();
  }

  function subscribe(sub) {
    socket.emit(
      'subscribe',
      { run: sub.run, variable: sub.variable, fromSeq: sub.lastSeq + 1 },
      (ack) => {
        if (!ack.ok) setStatus(`subscribe: ${ack.error.message}`);
      },
    );
  }

  function watch(run, variable) {
    const s = connect();
    if (current) s.emit('unsubscribe', { run: current.run, variable: current.variable }, () => {});
    current = { run, variable, lastSeq: 0, t: [], v: [] };
    $('title').textContent = `${run} / ${variable}`;
    if (s.connected) subscribe(current);
    scheduleDraw();
  }

  let drawPending = false;
  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      draw();
    });
  }

  function draw() {
    const canvas = $('plot');
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!current || current.t.length === 0) return;
    const { t, v } = current;
    const series = Array.isArray(v[v.length - 1]) ? v[v.length - 1].length : 1;
    const numeric = (x, k) =>
      Array.isArray(x)
        ? x[k]
        : typeof x === 'number'
          ? x
          : typeof x === 'boolean'
            ? Number(x)
            : NaN;
    let tMin = t[0],
      tMax = t[t.length - 1],
      yMin = Infinity,
      yMax = -Infinity;
    for (const x of v)
      for (let k = 0; k < series; k++) {
        const y = numeric(x, k);
        if (Number.isFinite(y)) {
          yMin = Math.min(yMin, y);
          yMax = Math.max(yMax, y);
        }
      }
    if (!Number.isFinite(yMin)) {
      yMin = 0;
      yMax = 1;
    }
    if (yMax === yMin) {
      yMax += 1;
      yMin -= 1;
    }
    if (tMax === tMin) tMax = tMin + 1;
    const pad = 40,
      w = canvas.width - 2 * pad,
      h = canvas.height - 2 * pad;
    const X = (x) => pad + ((x - tMin) / (tMax - tMin)) * w;
    const Y = (y) => pad + h - ((y - yMin) / (yMax - yMin)) * h;
    ctx.strokeStyle = '#ccd';
    ctx.strokeRect(pad, pad, w, h);
    ctx.fillStyle = '#556';
    ctx.font = '12px system-ui';
    ctx.fillText(yMax.toPrecision(4), 2, pad);
    ctx.fillText(yMin.toPrecision(4), 2, pad + h);
    ctx.fillText(`t ${tMin.toPrecision(5)} … ${tMax.toPrecision(5)}`, pad, canvas.height - 10);
    const colours = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];
    for (let k = 0; k < series; k++) {
      ctx.strokeStyle = colours[k % colours.length];
      ctx.beginPath();
      let pen = false; // NaN and infinities break the line
      for (let i = 0; i < t.length; i++) {
        const y = numeric(v[i], k);
        if (!Number.isFinite(y)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(X(t[i]), Y(y));
        else ctx.moveTo(X(t[i]), Y(y));
        pen = true;
      }
      ctx.stroke();
    }
    const last = v[v.length - 1];
    $('last').textContent =
      `seq ${current.lastSeq} · t = ${t[t.length - 1]} · v = ${JSON.stringify(last, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x))}`;
  }

  $('reload').addEventListener('click', loadRuns);
  void loadRuns();
  setInterval(() => {
    if (document.visibilityState === 'visible') void loadRuns();
  }, 10000);
})();
