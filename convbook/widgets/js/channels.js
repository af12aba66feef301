// The channel explorer (section 06): every input channel is cross-correlated with its own
// kernel slice, the partial results are summed (plus a bias) into one output channel, and each
// output channel has its own stack of slices. State: X (c_i x h x w), K (c_o x c_i x k_h x k_w),
// bias (one per output channel), out (the output channel shown), step, k_text, bias_text,
// limits, message. Recomputes convbook.windows.channel_partials and corr2d_multi_in_out + bias.

function chCompute(X, K, bias) {
  return K.map((slices, o) => {
    const partials = slices.map((k, c) => cbCorr2d(X[c], k));
    const Y = partials[0].map((row, i) => row.map((_, j) =>
      partials.reduce((sum, p) => sum + p[i][j], 0) + bias[o]));
    return {partials, Y};
  });
}

function chFloat32Max() { return 3.4028234663852886e38; }

function render({model, el}) {
  const root = cbRoot(el, "channel explorer");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  const outputs = cbEl("div", {class: "cb-controls", role: "group", "aria-label": "output channel"});
  const add = cbEl("button", {type: "button", text: "+ output channel"});
  const remove = cbEl("button", {type: "button", text: "\u2212 output channel"});
  add.addEventListener("click", () => {
    const K = get("K");
    if (K.length >= get("limits").out) return save({message: `at most ${get("limits").out} output channels`});
    const next = K[K.length - 1].map((s) => s.map((row) => row.map((v) => v + 1)));
    const o = K.length;
    save({K: [...K, next], bias: [...get("bias"), 0], out: o, message: "",
          k_text: next.map(cbMatrixText).join("\n\n"), bias_text: "0"});
  });
  remove.addEventListener("click", () => {
    const K = get("K"), o = get("out");
    if (K.length === 1) return save({message: "a layer needs at least one output channel"});
    const keep = K.filter((_, c) => c !== o), bias = get("bias").filter((_, c) => c !== o);
    const shown = Math.min(o, keep.length - 1);
    save({K: keep, bias, out: shown, message: "", k_text: keep[shown].map(cbMatrixText).join("\n\n"),
          bias_text: cbExact(bias[shown])});
  });
  const stepper = cbStepper("step", () => { const X = get("X"), k = get("K")[0][0];
    return (X[0].length - k.length + 1) * (X[0][0].length - k[0].length + 1) - 1; },
                            () => get("step"), (k) => save({step: k}));
  const biasBox = cbEl("input", {type: "text", inputmode: "decimal", size: 8, "aria-label": "bias"});
  biasBox.addEventListener("change", () => {
    const typed = biasBox.value.trim();
    const value = Number(typed);
    if (!CB_NUMBER.test(typed) || !(Math.abs(value) <= chFloat32Max())) {
      return save({bias_text: biasBox.value, message: `bias refused: it must be a finite ` +
                   `number of at most 3.4e+38 in size, got '${biasBox.value}'`});
    }
    const bias = get("bias").slice();
    bias[get("out")] = Math.fround(value);
    save({bias, bias_text: biasBox.value, message: ""});
  });
  const kText = cbEl("textarea", {rows: 6, spellcheck: "false"});
  const kTyped = cbTyped(kText), biasTyped = cbTyped(biasBox);
  const apply = cbEl("button", {type: "button", text: "apply kernel"});
  apply.addEventListener("click", () => {
    const K = get("K"), o = get("out"), [ci, kh, kw] = [K[0].length, K[0][0].length, K[0][0][0].length];
    const blocks = kText.value.trim().split(/\n\s*\n/);
    let error = blocks.length !== ci ? `kernel refused: type ${ci} blocks (one per input ` +
      `channel, separated by a blank line), got ${blocks.length}` : "";
    const slices = [];
    for (let c = 0; c < blocks.length && !error; c++) {
      const parsed = cbParseMatrix(blocks[c], `kernel block ${c + 1}`, 8);
      if (parsed.error) error = `kernel refused: ${parsed.error}`;
      else if (parsed.value.length !== kh || parsed.value[0].length !== kw) {
        error = `kernel refused: block ${c + 1} must be ${kh}x${kw}, got ` +
                `${parsed.value.length}x${parsed.value[0].length}`;
      } else if (!parsed.value.flat().every((v) => Math.abs(v) <= chFloat32Max())) {
        error = `kernel refused: block ${c + 1} holds a number too large for float32`;
      } else slices.push(parsed.value.map((row) => row.map(Math.fround)));
    }
    if (error) return save({k_text: kText.value, message: error});
    const next = K.slice();
    next[o] = slices;
    save({K: next, k_text: kText.value, message: ""});
  });
  const display = cbEl("div", {"aria-live": "polite"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  root.append(cbEl("div", {class: "cb-controls"}, [outputs, add, remove]),
              cbEl("div", {class: "cb-controls"}, [stepper.node,
                cbEl("label", {}, [cbEl("span", {text: "bias"}), biasBox, biasTyped.mark])]),
              error, display,
              cbEl("div", {class: "cb-edit"}, [
                cbEl("label", {}, [cbEl("span", {text: "kernel of the output channel shown"}), kText, kTyped.mark]),
                cbEl("div", {}, [apply, cbEl("div", {class: "cb-note",
                  text: "one block of rows per input channel, blocks separated by a blank line"})])]));

  function draw() {
    const X = get("X"), K = get("K"), bias = get("bias");
    const o = Math.min(get("out"), K.length - 1), all = chCompute(X, K, bias), {partials, Y} = all[o];
    const ow = Y[0].length, step = Math.min(get("step"), Y.length * ow - 1);
    const i = Math.floor(step / ow), j = step % ow, kh = K[0][0].length, kw = K[0][0][0].length;
    outputs.replaceChildren(cbEl("span", {text: "output"}), ...K.map((_, c) => cbEl("button", {
      type: "button", text: `Y[${c}]`, "aria-pressed": String(c === o),
      onclick: () => save({out: c, message: "", k_text: K[c].map(cbMatrixText).join("\n\n"),
                           bias_text: cbExact(bias[c])})})));
    stepper.update();
    error.textContent = get("message");
    kTyped.sync(get("k_text"));
    biasTyped.sync(get("bias_text"));
    const window = new Map(cbWindow(i, j, kh, kw).map(([r, c]) => [`${r},${c}`, "window"]));
    const rows = X.map((x, c) => {
      const terms = cbWindow(i, j, kh, kw).map(([r, s]) =>
        `${cbSigned(x[r][s])}\u00d7${cbSigned(K[o][c][r - i][s - j])}`);
      return cbRow(cbGrid(x, `input X[${c}]`, window, `X${c}`),
                   cbGrid(K[o][c], `kernel K[${o}][${c}]`, undefined, `K${c}`),
                   cbGrid(partials[c], `partial ${c}`, new Map([[`${i},${j}`, "window"]]), `P${c}`),
                   cbEl("div", {class: "cb-note", "data-role": "arithmetic",
                     text: `partial ${c}[${i}, ${j}] = ${terms.join(" + ")} = ${cbFmt(partials[c][i][j])}`}));
    });
    const sums = partials.map((p) => cbSigned(p[i][j])).join(" + ");
    const total = cbEl("div", {class: "cb-note", "data-role": "arithmetic"});
    total.append(cbEl("b", {text: `Y[${o}][${i}, ${j}] = ${sums} + bias ${cbSigned(bias[o])} = ` +
                                  `${cbFmt(Y[i][j])}`}));
    const [co, ci] = [K.length, X.length];
    display.replaceChildren(...rows, cbRow(cbGrid(Y, `output Y[${o}]`, new Map([[`${i},${j}`, "out"]]), "Y"), total),
      cbRow(...all.map((a, c) => cbGrid(a.Y, `Y[${c}]` + (c === o ? " (shown)" : ""),
                                        new Map([[`${i},${j}`, c === o ? "out" : "window"]]), `Y${c}`))),
      cbEl("div", {class: "cb-note", "data-role": "weights",
        text: `${co} output channel(s) \u00d7 ${ci} input channel(s) \u00d7 ${kh}\u00d7${kw} kernel = ` +
              `${co * ci * kh * kw} weights + ${co} bias`}));
  }
  cbRedrawOn(model, ["X", "K", "bias", "out", "step", "k_text", "bias_text"], draw);
  draw();
  return () => stepper.stop();
}

export default {render};
