// The pooling explorer (section 07): a max or average window slides over a matrix. State:
// X, pool_size, stride, padding (each [h, w]), mode, step, x_text, limits, modes, message.
// Recomputes what convbook.ops.pool2d and convbook.windows.max_winners give in Python: max
// pads with -inf, avg with zeros that count (PyTorch's default), ties go to the first cell in
// reading order.

function plCompute(X, k, s, p, mode) {
  const n = [X.length, X[0].length];
  const out = [0, 1].map((a) => cbOutputSize(n[a], k[a], p[a], s[a]));
  const pad = mode === "max" ? -Infinity : 0;
  const cell = (r, c) => (r >= 0 && r < n[0] && c >= 0 && c < n[1] ? X[r][c] : pad);
  const Y = [], winners = [], windows = [];
  for (let i = 0; i < out[0]; i++) {
    Y.push([]); winners.push([]); windows.push([]);
    for (let j = 0; j < out[1]; j++) {
      const cells = cbWindow(i * s[0] - p[0], j * s[1] - p[1], k[0], k[1]);
      const values = cells.map(([r, c]) => cell(r, c));
      let best = 0;
      values.forEach((v, t) => { if (v > values[best]) best = t; });
      Y[i].push(mode === "max" ? values[best] : values.reduce((a, b) => a + b, 0) / values.length);
      winners[i].push(cells[best]);
      windows[i].push({cells, values});
    }
  }
  const dropped = [0, 1].map((a) => {
    const lines = [];
    for (let r = Math.max((out[a] - 1) * s[a] + k[a] - p[a], 0); r < n[a]; r++) lines.push(r);
    return lines;
  });
  return {n, out, Y, winners, windows, dropped, pad};
}

function plText(v) { return v === -Infinity ? "-inf" : cbFmt(v); }

function plArithmetic(values, mode) {
  if (mode === "max") return `max(${values.map(plText).join(", ")}) = ${plText(Math.max(...values))}`;
  const sum = values.reduce((a, b) => a + b, 0);
  return `(${values.map(plText).join(" + ")}) / ${values.length} = ${cbFmt(sum / values.length)}`;
}

function render({model, el}) {
  const root = cbRoot(el, "pooling explorer");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  const current = () => plCompute(get("X"), get("pool_size"), get("stride"), get("padding"), get("mode"));
  const mode = cbToggle("mode", get("modes").map((m) => [m, m]), get("mode"), (m) => save({mode: m, message: ""}));
  const stepper = cbStepper("step", () => { const c = current(); return c.out[0] * c.out[1] - 1; },
                            () => get("step"), (k) => save({step: k}));
  // The settings, each clamped so a window always fits: window <= input, padding <= window / 2.
  // New values (X and its text) go in the same message as the settings they clamp, so a
  // kernel never sees the new X with a window that does not fit it (it would undo X).
  const settle = (changes, values = {}) => {
    const X = values.X || get("X"), n = [X.length, X[0].length], notes = [];
    const clamp = (name, wanted, limit, why) => {
      const kept = wanted.map((v, a) => Math.min(v, limit[a]));
      if (kept.some((v, a) => v !== wanted[a])) {
        notes.push(`${name} ${wanted.join("x")} clamped to ${kept.join("x")} (${why})`);
      }
      return kept;
    };
    const k = clamp("window", changes.pool_size || get("pool_size"), n, "at most the input");
    const s = clamp("stride", changes.stride || get("stride"), n, "at most the input");
    const p = clamp("padding", changes.padding || get("padding"), k.map((v) => Math.floor(v / 2)),
                    "at most half the window");
    const c = plCompute(X, k, s, p, get("mode"));
    save({...values, pool_size: k, stride: s, padding: p, message: notes.join("; "),
          step: Math.min(get("step"), c.out[0] * c.out[1] - 1)});
  };
  const sliders = {};
  const rows = [["pool_size", "window"], ["stride", "stride"], ["padding", "padding"]].map(([name, label]) => {
    sliders[name] = [0, 1].map((a) => cbSlider(`${label} ${"hw"[a]}`, name === "padding" ? 0 : 1, 1,
      get(name)[a], (v) => { const pair = get(name).slice(); pair[a] = v; settle({[name]: pair}); }));
    return cbEl("div", {class: "cb-controls"}, sliders[name].map((s) => s.node));
  });
  const text = cbEl("textarea", {rows: 5, spellcheck: "false"});
  const typed = cbTyped(text);
  const apply = cbEl("button", {type: "button", text: "apply values"});
  apply.addEventListener("click", () => {
    const parsed = cbParseMatrix(text.value, "values", get("limits").side);
    if (parsed.error) return save({x_text: text.value, message: `values refused: ${parsed.error}`});
    settle({}, {X: parsed.value, x_text: text.value});
  });
  const display = cbEl("div", {"aria-live": "polite"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  root.append(cbEl("div", {class: "cb-controls"}, [mode.node]), stepper.node, ...rows, error, display,
              cbEl("div", {class: "cb-edit"}, [cbEl("label", {}, [cbEl("span", {text: "input X values"}), text, typed.mark]),
                                                 apply]));

  function draw() {
    const X = get("X"), k = get("pool_size"), s = get("stride"), p = get("padding"), m = get("mode");
    const c = current(), step = Math.min(get("step"), c.out[0] * c.out[1] - 1);
    const i = Math.floor(step / c.out[1]), j = step % c.out[1], w = c.windows[i][j];
    mode.update(m);
    stepper.update();
    [0, 1].forEach((a) => {
      sliders.pool_size[a].update(k[a], 1, c.n[a]);
      sliders.stride[a].update(s[a], 1, c.n[a]);
      sliders.padding[a].update(p[a], 0, Math.floor(k[a] / 2));
    });
    error.textContent = get("message");
    typed.sync(get("x_text"));
    const padded = [];
    const styles = new Map();
    for (let r = -p[0]; r < c.n[0] + p[0]; r++) {
      const row = [];
      for (let cc = -p[1]; cc < c.n[1] + p[1]; cc++) {
        const inside = r >= 0 && r < c.n[0] && cc >= 0 && cc < c.n[1];
        row.push(inside ? X[r][cc] : plText(c.pad));
        const key = `${r + p[0]},${cc + p[1]}`;
        if (!inside) styles.set(key, "pad");
        else if (c.dropped[0].includes(r) || c.dropped[1].includes(cc)) styles.set(key, "dropped");
      }
      padded.push(row);
    }
    w.cells.forEach(([r, cc]) => styles.set(`${r + p[0]},${cc + p[1]}`, "window"));
    const winner = c.winners[i][j];
    if (m === "max") styles.set(`${winner[0] + p[0]},${winner[1] + p[1]}`, "win");
    const grids = [cbGrid(padded, "input X" + (p[0] || p[1] ? " (padded)" : ""), styles, "X"),
                   cbGrid(c.Y, `${m} pooling output Y`, new Map([[`${i},${j}`, "out"]]), "Y")];
    if (m === "max") {
      const counts = X.map((row) => row.map(() => 0));
      c.winners.flat().forEach(([r, cc]) => { counts[r][cc] += 1; });
      grids.push(cbGrid(counts, "times each input cell wins", undefined, "wins"));
    }
    const notes = [];
    const note = cbEl("div", {class: "cb-note", "data-role": "arithmetic"});
    note.append(cbEl("b", {text: `Y[${i}, ${j}]`}), ` = ${plArithmetic(w.values, m)}`);
    notes.push(note);
    const axes = ["height", "width"];
    [0, 1].forEach((a) => notes.push(cbEl("div", {class: "cb-note", "data-role": "formula",
      text: `${axes[a]}: floor((${c.n[a]} + 2\u00b7${p[a]} \u2212 1\u00b7(${k[a]}\u22121) \u2212 1) / ` +
            `${s[a]}) + 1 = floor(${c.n[a] + 2 * p[a] - k[a]}/${s[a]}) + 1 = ${c.out[a]}`})));
    const [rows, cols] = c.dropped;
    if (rows.length || cols.length) {
      const parts = [];
      if (rows.length) parts.push(`${rows.length === 1 ? "row" : "rows"} ${rows.join(", ")}`);
      if (cols.length) parts.push(`${cols.length === 1 ? "column" : "columns"} ${cols.join(", ")}`);
      notes.push(cbEl("div", {class: "cb-note", "data-role": "dropped",
        text: `The stride does not divide: input ${parts.join(" and ")} ` +
              `${rows.length + cols.length === 1 ? "is" : "are"} never pooled (struck through).`}));
    }
    display.replaceChildren(cbRow(...grids), ...notes);
  }
  cbRedrawOn(model, ["X", "pool_size", "stride", "padding", "mode", "step", "x_text"], draw);
  draw();
  return () => stepper.stop();
}

export default {render};
