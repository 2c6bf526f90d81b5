// Draws one key of the selected runs with plotly.js: per run the bucket means (raw, faint when smoothed), the
// min/max envelope of the buckets, an error band for total_energy, and dashed lines at each resume.
'use strict';

window.jaqmcCharts = (() => {
  // Above this many points a trace is drawn with WebGL (scattergl); below, SVG is as fast and sharper.
  const glThreshold = 5000;

  // TensorBoard's smoothing: an exponential moving average debiased for its start, or a centred-free trailing
  // moving average over 1/(1-w) points. Gaps (null) stay gaps and do not reset the average.
  function smooth(ys, mode, weight) {
    if (mode === 'ema') {
      let last = 0, n = 0;
      return ys.map(y => {
        if (y === null) return null;
        last = last * weight + (1 - weight) * y;
        n += 1;
        return last / (1 - Math.pow(weight, n));
      });
    }
    if (mode === 'ma') {
      const window = Math.max(1, Math.round(1 / (1 - weight)));
      const out = [], recent = [];
      let sum = 0;
      for (const y of ys) {
        if (y === null) { out.push(null); continue; }
        recent.push(y); sum += y;
        if (recent.length > window) sum -= recent.shift();
        out.push(sum / recent.length);
      }
      return out;
    }
    return ys;
  }

  function rgba(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
  }

  function fill(xs, lo, hi, color, alpha, name) {
    const type = xs.length > glThreshold ? 'scattergl' : 'scatter';
    return [
      { type, x: xs, y: hi, mode: 'lines', line: { width: 0 }, hoverinfo: 'skip', showlegend: false, name },
      { type, x: xs, y: lo, mode: 'lines', line: { width: 0 }, fill: 'tonexty', fillcolor: rgba(color, alpha), hoverinfo: 'skip', showlegend: false, name },
    ];
  }

  // series: [{ name, color, curve, band: {lo, hi} | null, resumes: [step] }]; view: { key, smoothing, weight, logY, range }
  function draw(div, series, view) {
    const traces = [];
    const shapes = [];
    for (const s of series) {
      const c = s.curve;
      const type = c.step.length > glThreshold ? 'scattergl' : 'scatter';
      if (c.stepsPerBucket > 1) traces.push(...fill(c.step, c.min, c.max, s.color, 0.12, s.name + ' min–max'));
      if (s.band) traces.push(...fill(c.step, s.band.lo, s.band.hi, s.color, 0.25, s.name + ' ± error'));
      const smoothed = view.smoothing !== 'off';
      const hover = c.stepsPerBucket > 1
        ? '%{customdata[2]}: step %{x}–%{customdata[3]}<br>mean %{y:.6g}<br>min %{customdata[0]:.6g}, max %{customdata[1]:.6g}<extra></extra>'
        : '%{customdata[2]}: step %{x}<br>%{y:.8g}<extra></extra>';
      const customdata = c.step.map((_, i) => [c.min[i], c.max[i], s.name, c.lastStep[i]]);
      traces.push({
        type, x: c.step, y: c.mean, mode: 'lines', name: s.name, customdata, hovertemplate: hover,
        line: { color: s.color, width: smoothed ? 1 : 1.5 }, opacity: smoothed ? 0.3 : 1, showlegend: !smoothed,
        meta: { run: s.run, role: 'raw' },
      });
      if (smoothed) {
        traces.push({
          type, x: c.step, y: smooth(c.mean, view.smoothing, view.weight), mode: 'lines', name: s.name,
          line: { color: s.color, width: 2 }, hovertemplate: `${s.name} (smoothed): step %{x}<br>%{y:.8g}<extra></extra>`,
          meta: { run: s.run, role: 'smoothed' },
        });
      }
      for (const step of s.resumes) {
        shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: step, x1: step, y0: 0, y1: 1, line: { color: s.color, width: 1, dash: 'dash' } });
      }
    }
    const layout = {
      title: { text: view.key, font: { size: 14 } },
      margin: { l: 70, r: 20, t: 36, b: 40 },
      xaxis: view.range ? { title: { text: 'step' }, range: view.range, autorange: false } : { title: { text: 'step' }, autorange: true },
      yaxis: { type: view.logY ? 'log' : 'linear', autorange: true, exponentformat: 'e' },
      hovermode: 'closest',
      legend: { orientation: 'h', y: -0.15 },
      shapes,
    };
    return Plotly.react(div, traces, layout, { responsive: true, displaylogo: false });
  }

  return { draw, smooth };
})();
