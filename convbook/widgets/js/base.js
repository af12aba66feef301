// convbook explorer base, shared by every explorer view. Python (convbook/widgets/base.py)
// puts this file in front of one explorer's module; together they form the anywidget ES
// module stored in the widget state, so a view recomputes and redraws in the browser with or
// without a kernel. Reader text is only ever set as textContent or a control's value: never
// parsed as HTML.

const CB_STYLE = `
.cb-root{font-family:sans-serif;font-size:13px;color:#222;max-width:100%}
.cb-root *{box-sizing:border-box}
.cb-controls{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:4px 0}
.cb-controls label{display:inline-flex;align-items:center;gap:6px;white-space:nowrap}
.cb-controls input[type=range]{width:150px;max-width:40vw}
.cb-controls select{max-width:88vw}
.cb-controls input[type=text]{width:22em;max-width:58vw}
.cb-root button{font:inherit;padding:3px 10px;border:1px solid #555;border-radius:3px;
  background:#f4f4f4;color:#111;cursor:pointer;min-height:28px}
.cb-root button[aria-pressed=true]{background:#1d5f57;color:#fff;border-color:#1d5f57}
.cb-root button:focus-visible,.cb-root input:focus-visible,.cb-root select:focus-visible,
.cb-root textarea:focus-visible{outline:3px solid #1a5fb4;outline-offset:1px}
.cb-root textarea{font-family:monospace;font-size:13px;width:100%;min-height:6.5em}
.cb-row{display:flex;gap:14px;align-items:flex-start;flex-wrap:wrap;margin:4px 0}
.cb-scroll{max-width:100%;overflow-x:auto}
.cb-grid{border-collapse:collapse;margin:2px}
.cb-grid td{min-width:30px;height:30px;text-align:center;font-size:13px;border:1px solid #bbb;
  background:#f7fbff;color:#222;padding:0 2px;font-variant-numeric:tabular-nums}
.cb-grid caption{font-weight:bold;font-size:13px;padding-bottom:3px;caption-side:top;
  text-align:left;white-space:nowrap}
.cb-grid td.cb-pad{background:#e8e8e8;color:#555}
.cb-grid td.cb-window{background:#f4a261;color:#111;border:2px solid #222}
.cb-grid td.cb-out{background:#1d6f65;color:#fff;border:2px solid #222}
.cb-grid td.cb-win{background:#b83c1e;color:#fff;font-weight:bold}
.cb-grid td.cb-dim{background:#fff;color:#666}
.cb-grid td.cb-dropped{background:#fde2e2;color:#8a0000;text-decoration:line-through}
.cb-grid td.cb-visit{box-shadow:inset 4px 4px 0 -1px #264653}
.cb-note{margin:4px 0;overflow-wrap:anywhere}
.cb-error{color:#a4001d;font-weight:bold;margin:4px 0;overflow-wrap:anywhere}
.cb-edit{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.cb-edit>label{display:flex;flex-direction:column;font-weight:bold;flex:1 1 140px;max-width:260px}
@media (max-width:480px){.cb-grid td{min-width:24px;height:24px;font-size:11px}}
`;

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

// The root element of a view, with the shared stylesheet.
function cbRoot(el, name) {
  el.replaceChildren();
  const root = cbEl("div", {class: "cb-root", role: "group", "aria-label": name});
  root.append(cbEl("style", {text: CB_STYLE}));
  el.append(root);
  return root;
}

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
