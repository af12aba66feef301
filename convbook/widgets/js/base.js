// convbook explorer base, shared by every explorer view. Python (convbook/widgets/base.py)
// puts this file in front of one explorer's module; together they form the anywidget ES
// module stored in the widget state, so a view recomputes and redraws in the browser with or
// without a kernel. Reader text is only ever set as textContent or a control's value: never
// parsed as HTML.

// --- numbers as text: the same rules as convbook.textfmt --------------------------------------

// v with n decimals as Python's f"{v:.nf}" writes it: toFixed rounds an exact tie (0.125)
// up, Python to even ("0.12"), so exact ties are detected and mended.
function cbFixed(v, n) {
  v = Number(v) + 0;                       // -0 -> 0
  const exact = Math.abs(v).toFixed(100);  // the exact decimal expansion of the double
  const rest = exact.slice(exact.indexOf(".") + 1 + n);
  if (/^50*$/.test(rest)) {                // an exact tie: round half to even
    const scaled = Math.trunc(Math.abs(v) * 10 ** n);   // exact for such ties
    const even = scaled % 2 === 0 ? scaled : scaled + 1;
    return (v < 0 ? "-" : "") + (even / 10 ** n).toFixed(n);
  }
  return v.toFixed(n);
}

// A number in a grid cell: integers plainly, others with 2 decimals (convbook.textfmt).
function cbFmt(v) {
  v = Number(v) + 0;
  if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? v.toFixed(0) : BigInt(v).toString();
  return cbFixed(v, 2);
}

// A number in a sum or product: negative ones in parentheses, as in 3×(-1) + (-8).
function cbSigned(v) {
  const text = cbFmt(v);
  return text.startsWith("-") ? `(${text})` : text;
}

// The shortest text that reads back to the same double (what the text boxes hold).
function cbExact(v) { return String(Number(v) + 0); }

function cbMatrixText(M) { return M.map((row) => row.map(cbExact).join(" ")).join("\n"); }

const CB_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const CB_MAX_TEXT = 4000;

// Rows of numbers (one per line, or separated by ';'): {value} or {error}, never throws.
function cbParseMatrix(text, name, maxSide) {
  if (typeof text !== "string") return {error: `${name} must be text`};
  if (text.length > CB_MAX_TEXT) {
    return {error: `${name}: at most ${CB_MAX_TEXT} characters, got ${text.length}`};
  }
  const lines = text.split(/[\n;]/).map((l) => l.trim()).filter((l) => l);
  if (!lines.length) return {error: `${name}: type at least one row of numbers`};
  if (lines.length > maxSide) {
    return {error: `${name} may be at most ${maxSide}x${maxSide}, got ${lines.length} rows`};
  }
  const rows = [];
  for (let r = 0; r < lines.length; r++) {
    const items = lines[r].replace(/^[\[\] ]+|[\[\] ]+$/g, "").split(/[\s,]+/).filter((i) => i);
    if (items.length > maxSide) {
      return {error: `${name} may be at most ${maxSide}x${maxSide}, got ${items.length} columns`};
    }
    const bad = items.find((i) => !CB_NUMBER.test(i));
    if (bad !== undefined) {
      return {error: `${name}, row ${r + 1}: '${bad}' is not a number ` +
                     "(type finite numbers such as 2, -0.5 or 1e3)"};
    }
    const values = items.map(Number);
    if (!values.every(Number.isFinite)) {
      return {error: `${name}, row ${r + 1}: numbers must be finite (no inf or nan)`};
    }
    rows.push(values);
  }
  if (new Set(rows.map((row) => row.length)).size !== 1) {
    return {error: `${name}: every row needs the same number of values, got row lengths ` +
                   `[${rows.map((row) => row.length).join(", ")}]`};
  }
  return {value: rows};
}

// "1 row", "2 rows".
function cbCount(n, one, many = `${one}s`) { return `${n} ${n === 1 ? one : many}`; }

// --- DOM helpers: text only, never innerHTML from data ----------------------------------------

function cbEl(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// One matrix as a table with numbers in the cells; styles maps "i,j" to roles ("window out").
function cbGrid(M, title, styles = new Map(), label = title) {
  const table = cbEl("table", {class: "cb-grid", "data-matrix": label});
  table.append(cbEl("caption", {text: title}));
  const body = cbEl("tbody");
  M.forEach((row, i) => {
    const tr = cbEl("tr");
    row.forEach((v, j) => {
      const td = cbEl("td", {text: typeof v === "string" ? v : cbFmt(v)});
      const role = styles.get(`${i},${j}`);
      if (role) td.className = role.split(" ").map((r) => `cb-${r}`).join(" ");
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  return cbEl("div", {class: "cb-scroll"}, [table]);
}

function cbRow(...parts) { return cbEl("div", {class: "cb-row"}, parts); }

// The root element of a view (its stylesheet is the _css trait: css/base.css and its own).
// data-lm-suppress-shortcuts keeps JupyterLab's notebook shortcuts (arrows moving the cell
// selection, Enter, Shift+Enter running the cell) away from the keys our controls take.
function cbRoot(el, name) {
  el.replaceChildren();
  const root = cbEl("div", {class: "cb-root", role: "group", "aria-label": name,
                            "data-lm-suppress-shortcuts": "true"});
  // Keys typed into a control stay with it: JupyterLab's notebook also listens for keydown
  // on its own node (and would take the focus back), a page's keyboard shortcuts likewise.
  root.addEventListener("keydown", (event) => {
    if (event.target !== root && !(event.key === "Escape" || event.key === "Tab")) event.stopPropagation();
  });
  el.append(root);
  return root;
}

// A text box whose typed text is never thrown away by a redraw: the box takes the model's
// text (sync) only when that text changes (values applied, an example chosen); until then a
// typed text that differs stays in the box, marked "not applied yet".
function cbTyped(box) {
  let shown = null;
  const mark = cbEl("span", {class: "cb-unapplied", text: "typed, not applied yet", hidden: ""});
  const refresh = () => {
    const pending = shown !== null && box.value !== shown;
    mark.hidden = !pending;
    box.classList.toggle("cb-pending", pending);
  };
  box.addEventListener("input", refresh);
  return {
    box, mark,
    sync(text) {
      if (text !== shown) { box.value = text; shown = text; }
      refresh();
    },
  };
}

// The hint under a matrix's text boxes.
const CB_MATRIX_HINT = "One row per line (or rows separated by ;), values separated by spaces; then apply.";

// A labelled range slider with its value shown; onInput(value) on every move.
function cbSlider(label, min, max, value, onInput) {
  const input = cbEl("input", {type: "range", min, max, step: 1, value, "aria-label": label});
  const shown = cbEl("output", {text: String(value)});
  input.addEventListener("input", () => {
    shown.textContent = input.value;
    onInput(Number(input.value));
  });
  const node = cbEl("label", {}, [cbEl("span", {text: label}), input, shown]);
  return {
    node, input,
    update(v, lo, hi) {
      input.min = lo; input.max = hi; input.value = v; shown.textContent = String(v);
      input.disabled = lo === hi;
    },
  };
}

// Step slider + previous / play / next: the one way every explorer steps through windows.
// getMax() is the last step; onStep(k) moves to step k. Play loops back to step 0 at the end.
function cbStepper(label, getMax, getStep, onStep, interval = 700) {
  let timer = null;
  const slider = cbSlider(label, 0, getMax(), getStep(), (v) => onStep(v));
  const go = (k) => onStep(Math.max(0, Math.min(getMax(), k)));
  const prev = cbEl("button", {type: "button", text: "\u25c1", "aria-label": `previous ${label}`,
                               onclick: () => go(getStep() - 1)});
  const next = cbEl("button", {type: "button", text: "\u25b7", "aria-label": `next ${label}`,
                               onclick: () => go(getStep() + 1)});
  const play = cbEl("button", {type: "button", text: "\u25b6 play", "aria-pressed": "false",
                               "aria-label": `play through every ${label}`});
  const stop = () => {
    clearInterval(timer); timer = null;
    play.textContent = "\u25b6 play"; play.setAttribute("aria-pressed", "false");
  };
  play.addEventListener("click", () => {
    if (timer) return stop();
    play.textContent = "\u275a\u275a pause"; play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (!play.isConnected) return stop();
      go(getStep() >= getMax() ? 0 : getStep() + 1);
    }, interval);
  });
  const node = cbEl("div", {class: "cb-controls"}, [prev, play, next, slider.node]);
  return {node, update: () => slider.update(getStep(), 0, getMax()), stop, slider};
}

// A set of toggle buttons (aria-pressed) for a few choices; onPick(value).
function cbToggle(label, options, value, onPick) {
  const buttons = options.map(([text, v]) => cbEl("button", {
    type: "button", text, "aria-pressed": String(v === value), onclick: () => onPick(v)}));
  const node = cbEl("div", {class: "cb-controls", role: "group", "aria-label": label},
                    [cbEl("span", {text: label}), ...buttons]);
  return {
    node,
    update(v) { buttons.forEach((b, i) => b.setAttribute("aria-pressed", String(options[i][1] === v))); },
  };
}

// Redraw once per burst of model changes (several keys set in a row), on any of `keys`.
function cbRedrawOn(model, keys, draw) {
  let queued = false;
  const redraw = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; draw(); });
  };
  for (const key of [...keys, "message"]) model.on(`change:${key}`, redraw);
}

// Set several keys of the state and send them to the kernel (a no-op on a static page).
function cbSaver(model) {
  return (changes) => {
    for (const [key, value] of Object.entries(changes)) model.set(key, value);
    model.save_changes();
  };
}

// Output size along one axis, floor((n + 2p - d(k-1) - 1) / s) + 1 (convbook.ops.output_shape);
// less than 1 when the (dilated) window does not fit the padded input.
function cbOutputSize(n, k, p = 0, s = 1, d = 1) { return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1; }

// Cells of a window: [row, col] of a k_h x k_w block at (top, left), every d-th cell.
function cbWindow(top, left, kh, kw, dh = 1, dw = 1) {
  const cells = [];
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) cells.push([top + a * dh, left + b * dw]);
  return cells;
}

// Cross-correlation of X with K (valid, stride 1), summed in kernel reading order like
// convbook.ops.corr2d: out[i][j] = sum over (a, b) of X[i+a][j+b] * K[a][b].
function cbCorr2d(X, K) {
  const oh = X.length - K.length + 1, ow = X[0].length - K[0].length + 1;
  const Y = Array.from({length: oh}, () => new Array(ow).fill(0));
  for (let a = 0; a < K.length; a++) {
    for (let b = 0; b < K[0].length; b++) {
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) Y[i][j] += X[i + a][j + b] * K[a][b];
    }
  }
  return Y;
}
