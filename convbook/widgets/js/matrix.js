// The convolution-as-a-matrix explorer (section 01): the matrix M with vec(Y) = M vec(X), the
// current window's row highlighted; the im2col view (windows as columns); the transpose M^T.
// State: X, K (lists of rows), padding, stride, mode, step, x_text, k_text, limits, message.
// Everything is recomputed here as convbook.matrix.ConvMatrix does in Python.

const CM_VIEWS = [["Y = M \u00b7 vec X", "matrix"], ["im2col", "im2col"],
                  ["transpose M\u1d40", "transpose"]];

// The model: output size, M, each row's window [{r, c, a, b}], im2col columns and Y.
function cmModel(X, K, p, s) {
  const nh = X.length, nw = X[0].length, kh = K.length, kw = K[0].length;
  const oh = cbOutputSize(nh, kh, p, s), ow = cbOutputSize(nw, kw, p, s);
  const rows = oh * ow, windows = [], M = [], columns = [], Y = [];
  for (let t = 0; t < kh * kw; t++) columns.push(new Array(rows).fill(0));
  for (let row = 0; row < rows; row++) {
    const i = Math.floor(row / ow), j = row % ow, cells = [];
    const line = new Array(nh * nw).fill(0);
    let y = 0;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const r = i * s - p + a, c = j * s - p + b;
        if (r < 0 || r >= nh || c < 0 || c >= nw) continue;          // on the zero padding
        cells.push({r, c, a, b});
        line[r * nw + c] = K[a][b];
        columns[a * kw + b][row] = X[r][c];
        y += X[r][c] * K[a][b];
      }
    }
    windows.push(cells); M.push(line); Y.push(y);
  }
  return {X, K, p, s, nh, nw, kh, kw, oh, ow, rows, windows, M, columns, Y};
}

// Why the values cannot be shown ('' if they can): the rules of convbook.widgets.matrix.
function cmProblem(X, K, p, s, limits) {
  for (const [axis, n, k] of [["rows", X.length, K.length], ["columns", X[0].length, K[0].length]]) {
    if (k > n + 2 * p) {
      return `K must fit inside the padded X: K has ${k} ${axis}, X with padding ${p} only ${n + 2 * p}`;
    }
  }
  const rows = cbOutputSize(X.length, K.length, p, s) * cbOutputSize(X[0].length, K[0].length, p, s);
  if (rows > limits.rows) {
    return `M would have ${rows} rows (one per output cell); at most ${limits.rows} stay ` +
           "readable: use a larger kernel or stride, less padding or a smaller X";
  }
  return "";
}

function cmColumn(v) { return v.map((x) => [x]); }

function cmReshape(v, h, w) { return Array.from({length: h}, (_, i) => v.slice(i * w, (i + 1) * w)); }

function cmCells(list) { return new Map(list.map(([i, j, role]) => [`${i},${j}`, role])); }

function render({model, el}) {
  const root = cbRoot(el, "convolution-as-a-matrix explorer");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  const limits = get("limits");
  let cache = null;
  const current = () => {
    const key = JSON.stringify([get("X"), get("K"), get("padding"), get("stride")]);
    if (!cache || cache.key !== key) {
      cache = {key, m: cmModel(get("X"), get("K"), get("padding"), get("stride"))};
    }
    return cache.m;
  };
  // A change of X, K, padding or stride: refused with a message if it breaks a rule.
  const change = (X, K, p, s, extra = {}) => {
    const problem = cmProblem(X, K, p, s, limits);
    if (problem) { save({...extra, message: problem}); return draw(); }   // sliders go back
    const m = cmModel(X, K, p, s);
    save({...extra, X, K, padding: p, stride: s, message: "",
          step: Math.min(get("step"), m.rows - 1)});
  };

  const view = cbToggle("view", CM_VIEWS, get("mode"), (v) => save({mode: v, message: ""}));
  const stepper = cbStepper("step", () => current().rows - 1, () => get("step"),
                            (k) => save({step: k}));
  const padding = cbSlider("padding", 0, limits.padding, get("padding"),
                           (v) => change(get("X"), get("K"), v, get("stride")));
  const stride = cbSlider("stride", 1, limits.stride, get("stride"),
                          (v) => change(get("X"), get("K"), get("padding"), v));
  const xText = cbEl("textarea", {rows: 5, spellcheck: "false"});
  const kText = cbEl("textarea", {rows: 3, spellcheck: "false"});
  const xTyped = cbTyped(xText), kTyped = cbTyped(kText);
  const apply = cbEl("button", {type: "button", text: "apply values"});
  apply.addEventListener("click", () => {
    const typed = {x_text: xText.value, k_text: kText.value};
    const X = cbParseMatrix(xText.value, "X", limits.X), K = cbParseMatrix(kText.value, "K", limits.K);
    if (X.error || K.error) return save({...typed, message: X.error || K.error});
    change(X.value, K.value, get("padding"), get("stride"), typed);
  });
  const display = cbEl("div", {"aria-live": "polite"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  root.append(
    view.node, stepper.node,
    cbEl("div", {class: "cb-controls"}, [padding.node, stride.node]),
    display, error,
    cbEl("div", {class: "cb-edit"}, [
      cbEl("label", {}, [cbEl("span", {text: `edit input X (up to ${limits.X}x${limits.X})`}), xText, xTyped.mark]),
      cbEl("label", {}, [cbEl("span", {text: `edit kernel K (up to ${limits.K}x${limits.K})`}), kText, kTyped.mark]),
      cbEl("div", {}, [apply, cbEl("div", {class: "cb-note",
        text: CB_MATRIX_HINT})])]));

  function draw() {
    const m = current(), step = Math.min(get("step"), m.rows - 1), mode = get("mode");
    const i = Math.floor(step / m.ow), j = step % m.ow, win = m.windows[step];
    const xCells = cmCells(win.map(({r, c}) => [r, c, "window"]));
    const flat = win.map(({r, c}) => r * m.nw + c);
    const terms = win.map(({r, c, a, b}) => `${cbSigned(m.X[r][c])}\u00d7${cbSigned(m.K[a][b])}`);
    const sum = `${terms.length ? terms.join(" + ") : "0"} = ${cbFmt(m.Y[step])}`;
    const grids = [], note = cbEl("div", {class: "cb-note", "data-role": "arithmetic"});
    if (mode === "matrix") {
      const row = [];
      for (let c = 0; c < m.nw * m.nh; c++) row.push([step, c, flat.includes(c) ? "win" : "window"]);
      // X and Y share the first column: vec X may be 25 rows tall, and Y (wrapped after it
      // on a narrow notebook) would land far below the window it shows.
      grids.push(cbEl("div", {class: "cb-stack"}, [
                   cbGrid(m.X, "input X", xCells, "X"),
                   cbGrid(cmReshape(m.Y, m.oh, m.ow), "Y", cmCells([[i, j, "out"]]), "Y")]),
                 cbGrid(m.M, `M: row ${step}`, cmCells(row), "M"),
                 cbGrid(cmColumn(m.X.flat()), "vec X", cmCells(flat.map((f) => [f, 0, "window"])), "vecX"));
      note.append(cbEl("b", {text: `Y[${i}, ${j}]`}), ` = row ${step} of M \u00b7 vec X = ${sum}`);
    } else if (mode === "im2col") {
      const col = [];
      for (let t = 0; t < m.kh * m.kw; t++) col.push([t, step, "window"]);
      grids.push(cbGrid(m.X, "input X", xCells, "X"),
                 cbGrid([m.K.flat()], "vec K", undefined, "vecK"),
                 cbGrid(m.columns, `im2col(X): column ${step}`, cmCells(col), "columns"),
                 cbGrid([m.Y], "vec K \u00b7 columns", cmCells([[0, step, "out"]]), "Yrow"));
      note.append(cbEl("b", {text: `Y[${i}, ${j}]`}),
                  ` = vec K \u00b7 column ${step} = ${sum}` +
                  (m.p ? " (padding cells hold 0 in the column)" : ""));
    } else {
      const MT = m.M[0].map((_, c) => m.M.map((line) => line[c]));
      const g = m.Y.map((_, r) => (r === step ? 1 : 0));
      const back = MT.map((line) => line.reduce((acc, v, r) => acc + v * g[r], 0));
      const col = [];
      for (let c = 0; c < m.nh * m.nw; c++) col.push([c, step, flat.includes(c) ? "win" : "window"]);
      grids.push(cbGrid(cmReshape(g, m.oh, m.ow), "g (one-hot)", cmCells([[i, j, "out"]]), "g"),
                 cbGrid(MT, `M\u1d40: column ${step}`, cmCells(col), "MT"),
                 cbGrid(cmReshape(back, m.nh, m.nw), "M\u1d40 g as an image", xCells, "back"));
      note.append(cbEl("b", {text: `M\u1d40 g`}),
                  ` = column ${step} of M\u1d40: the kernel pasted back onto window ${step}. ` +
                  "It is \u2202Y[" + `${i}, ${j}` + "]/\u2202X, and what a transposed convolution adds.");
    }
    note.append(`\u2003(step ${step} of 0\u2013${m.rows - 1}; M is ${m.rows}\u00d7${m.nh * m.nw})`);
    display.replaceChildren(cbRow(...grids), note);
    error.textContent = get("message");
    view.update(mode);
    stepper.update();
    padding.update(m.p, 0, limits.padding);
    stride.update(m.s, 1, limits.stride);
    xTyped.sync(get("x_text"));
    kTyped.sync(get("k_text"));
  }
  cbRedrawOn(model, ["X", "K", "padding", "stride", "mode", "step", "x_text", "k_text"], draw);
  draw();
  return () => stepper.stop();
}

export default {render};
