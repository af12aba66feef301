// The sliding-kernel explorer (sections 01-03): a kernel moves over an input, one output cell
// per step. State: X, K (lists of rows), mode, step, preset, presets, x_text, k_text, message,
// and from Python's constants: modes, custom (the menu entry for typed values), max_size.
// The output, the window and the arithmetic are recomputed here, as convbook.windows.Sliding
// does in Python.

function skModel(X, K, mode) {
  const used = mode === "convolution" ? K.slice().reverse().map((row) => row.slice().reverse()) : K;
  return {X, K, mode, used, Y: cbCorr2d(X, used)};
}

function skStep(m, step) {
  const ow = m.Y[0].length, i = Math.floor(step / ow), j = step % ow;
  const window = cbWindow(i, j, m.K.length, m.K[0].length);
  const terms = window.map(([r, c]) => `${cbSigned(m.X[r][c])}\u00d7${cbSigned(m.used[r - i][c - j])}`);
  return {i, j, window, value: m.Y[i][j], arithmetic: `${terms.join(" + ")} = ${cbFmt(m.Y[i][j])}`};
}

function render({model, el}) {
  const root = cbRoot(el, "sliding-kernel explorer");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  const steps = () => { const m = current(); return m.Y.length * m.Y[0].length; };
  let cache = null;
  const current = () => {
    const key = JSON.stringify([get("X"), get("K"), get("mode")]);
    if (!cache || cache.key !== key) cache = {key, m: skModel(get("X"), get("K"), get("mode"))};
    return cache.m;
  };

  const presetMenu = cbEl("select", {"aria-label": "example"});
  const custom = get("custom");
  for (const name of [...Object.keys(get("presets")), custom]) {
    presetMenu.append(cbEl("option", {value: name, text: name}));
  }
  // The typed-values entry only names what is shown: it cannot be picked (ArrowDown skips it).
  const customOption = presetMenu.lastElementChild;
  presetMenu.addEventListener("change", () => {
    const name = presetMenu.value;
    if (name === custom) { presetMenu.value = get("preset"); return; }
    const [X, K] = get("presets")[name];
    save({X, K, preset: name, step: 0, message: "",
          x_text: cbMatrixText(X), k_text: cbMatrixText(K)});
  });
  const mode = cbToggle("mode", get("modes").map((m) => [m, m]), get("mode"),
                        (m) => save({mode: m, message: ""}));
  const stepper = cbStepper("step", () => steps() - 1, () => get("step"),
                            (k) => save({step: k}));
  const xText = cbEl("textarea", {rows: 5, spellcheck: "false"});
  const kText = cbEl("textarea", {rows: 5, spellcheck: "false"});
  const xTyped = cbTyped(xText), kTyped = cbTyped(kText);
  const apply = cbEl("button", {type: "button", text: "apply values"});
  apply.addEventListener("click", () => {
    const typed = {x_text: xText.value, k_text: kText.value};
    const X = cbParseMatrix(xText.value, "X", get("max_size")), K = cbParseMatrix(kText.value, "K", get("max_size"));
    const error = X.error || K.error || (K.value.length > X.value.length ? 
      `K must fit inside X: K has ${K.value.length} rows, X only ${X.value.length}` :
      K.value[0].length > X.value[0].length ?
      `K must fit inside X: K has ${K.value[0].length} columns, X only ${X.value[0].length}` : "");
    if (error) return save({...typed, message: error});        // keep the state and the text
    const m = skModel(X.value, K.value, get("mode"));
    save({...typed, X: X.value, K: K.value, preset: custom, message: "",
          step: Math.min(get("step"), m.Y.length * m.Y[0].length - 1)});
  });
  const display = cbEl("div", {"aria-live": "polite"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  root.append(
    cbEl("div", {class: "cb-controls"}, [cbEl("label", {}, [cbEl("span", {text: "example"}), presetMenu]),
                                          mode.node]),
    stepper.node, display, error,
    cbEl("div", {class: "cb-edit"}, [
      cbEl("label", {}, [cbEl("span", {text: "edit input X"}), xText, xTyped.mark]),
      cbEl("label", {}, [cbEl("span", {text: "edit kernel K"}), kText, kTyped.mark]),
      cbEl("div", {}, [apply, cbEl("div", {class: "cb-note",
        text: CB_MATRIX_HINT})])]));

  function draw() {
    const m = current(), step = Math.min(get("step"), steps() - 1), s = skStep(m, step);
    const ow = m.Y[0].length, out = new Map();
    for (let k = step + 1; k < steps(); k++) out.set(`${Math.floor(k / ow)},${k % ow}`, "dim");
    out.set(`${s.i},${s.j}`, "out");
    const grids = [cbGrid(m.X, "input X", new Map(s.window.map(([r, c]) => [`${r},${c}`, "window"])), "X"),
                   cbGrid(m.K, "kernel K", undefined, "K")];
    if (m.mode === "convolution") grids.push(cbGrid(m.used, "K flipped (used)", undefined, "used"));
    grids.push(cbGrid(m.Y, "output Y", out, "Y"));
    const note = cbEl("div", {class: "cb-note", "data-role": "arithmetic"});
    note.append(cbEl("b", {text: `Y[${s.i}, ${s.j}]`}), ` = ${s.arithmetic}`,
                `\u2003(step ${step} of 0\u2013${steps() - 1}, ${m.mode})`);
    display.replaceChildren(cbRow(...grids), note);
    error.textContent = get("message");
    customOption.disabled = get("preset") !== custom;
    presetMenu.value = get("preset");
    mode.update(m.mode);
    stepper.update();
    xTyped.sync(get("x_text"));
    kTyped.sync(get("k_text"));
  }
  cbRedrawOn(model, ["X", "K", "mode", "step", "preset", "x_text", "k_text"], draw);
  draw();
  return () => stepper.stop();
}

export default {render};
