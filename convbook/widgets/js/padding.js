// The padding / stride explorer (section 05): where a (dilated) kernel goes on a zero-padded
// input and why the output has its shape. State: input_size, kernel_size, padding, stride,
// dilation (each [h, w]), square, window, limits, message. The geometry is recomputed here as
// convbook.windows.WindowGeometry does in Python.

const PS_NAMES = ["input_size", "kernel_size", "padding", "stride", "dilation"];
const PS_AXES = ["height", "width"];

function psGeometry(s) {
  const g = {n: s.input_size, k: s.kernel_size, p: s.padding, s: s.stride, d: s.dilation};
  g.padded = [0, 1].map((a) => g.n[a] + 2 * g.p[a]);
  g.span = [0, 1].map((a) => g.d[a] * (g.k[a] - 1) + 1);
  g.fits = g.span[0] <= g.padded[0] && g.span[1] <= g.padded[1];
  g.problem = "";
  for (let a = 0; a < 2 && !g.problem; a++) {
    if (g.span[a] > g.padded[a]) {
      const dilated = g.d[a] > 1 ? ` (dilated by ${g.d[a]}: span ${g.span[a]})` : "";
      g.problem = `The kernel does not fit along the ${PS_AXES[a]}: kernel ${g.k[a]}${dilated} > ` +
        `padded input ${g.n[a]} + 2\u00b7${g.p[a]} = ${g.padded[a]}. No window position exists; ` +
        "increase the padding or the input, or shrink the kernel.";
    }
  }
  g.out = g.fits ? [0, 1].map((a) => cbOutputSize(g.n[a], g.k[a], g.p[a], g.s[a], g.d[a])) : null;
  g.count = g.fits ? g.out[0] * g.out[1] : 0;
  g.dropped = [0, 1].map((a) => {
    if (!g.fits) return [];
    const last = (g.out[a] - 1) * g.s[a] + g.span[a] - 1, rows = [];
    for (let r = last + 1; r < g.padded[a]; r++) rows.push(r);
    return rows;
  });
  g.formula = [0, 1].map((a) => {
    const num = g.n[a] + 2 * g.p[a] - g.d[a] * (g.k[a] - 1) - 1;
    const value = num >= 0 ? `floor(${num}/${g.s[a]}) + 1 = ${cbOutputSize(g.n[a], g.k[a], g.p[a], g.s[a], g.d[a])}`
                           : "no window fits";
    return `${PS_AXES[a]}: floor((${g.n[a]} + 2\u00b7${g.p[a]} \u2212 ${g.d[a]}\u00b7(${g.k[a]}\u22121) ` +
           `\u2212 1) / ${g.s[a]}) + 1 = ${value}`;
  });
  g.isPad = (r, c) => !(g.p[0] <= r && r < g.p[0] + g.n[0] && g.p[1] <= c && c < g.p[1] + g.n[1]);
  g.corner = (i) => [Math.floor(i / g.out[1]) * g.s[0], (i % g.out[1]) * g.s[1]];
  g.taps = (i) => { const [t, l] = g.corner(i); return cbWindow(t, l, g.k[0], g.k[1], g.d[0], g.d[1]); };
  g.input = Array.from({length: g.padded[0]}, (_, r) => Array.from({length: g.padded[1]}, (_, c) =>
    g.isPad(r, c) ? 0 : (r - g.p[0]) * g.n[1] + (c - g.p[1]) + 1));
  return g;
}

// The output for an all-ones kernel: each entry sums the padded cells under the taps.
function psOutput(g) {
  return Array.from({length: g.out[0]}, (_, i) => Array.from({length: g.out[1]}, (_, j) =>
    g.taps(i * g.out[1] + j).reduce((sum, [r, c]) => sum + g.input[r][c], 0)));
}

function render({model, el}) {
  const root = cbRoot(el, "padding and stride explorer");
  const limits = model.get("limits");
  const state = () => Object.fromEntries(PS_NAMES.map((n) => [n, model.get(n)]));
  const save = cbSaver(model);
  const square = cbEl("input", {type: "checkbox"});
  square.checked = model.get("square");
  square.addEventListener("change", () => {
    const changes = {square: square.checked, message: ""};
    if (square.checked) for (const n of PS_NAMES) changes[n] = [model.get(n)[0], model.get(n)[0]];
    save({...changes, window: 0});
  });
  const sliders = {};
  const rows = PS_NAMES.map((name) => {
    const [lo, hi] = limits[name];
    sliders[name] = [0, 1].map((a) => cbSlider(`${name.replace("_size", "")} ${PS_AXES[a][0]}`, lo, hi,
      model.get(name)[a], (v) => {
        const pair = model.get(name).slice();
        pair[a] = v;
        if (model.get("square")) pair[1 - a] = v;
        const g = psGeometry({...state(), [name]: pair});
        save({[name]: pair, message: "", window: Math.min(model.get("window"), Math.max(g.count - 1, 0))});
      }));
    return cbEl("div", {class: "cb-controls"}, sliders[name].map((s) => s.node));
  });
  const stepper = cbStepper("window", () => Math.max(psGeometry(state()).count - 1, 0),
                            () => model.get("window"), (k) => save({window: k}), 600);
  const display = cbEl("div", {"aria-live": "polite"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  root.append(cbEl("label", {class: "cb-controls"}, [square, cbEl("span", {text: "same height and width"})]),
              ...rows, stepper.node, error, display);

  function draw() {
    const s = state(), g = psGeometry(s), index = Math.min(model.get("window"), Math.max(g.count - 1, 0));
    square.checked = model.get("square");
    for (const name of PS_NAMES) {
      sliders[name].forEach((sl, a) => {
        sl.update(s[name][a], limits[name][0], limits[name][1]);
        sl.input.disabled = a === 1 && model.get("square");
      });
    }
    stepper.update();
    error.textContent = model.get("message");
    const styles = new Map();
    for (let r = 0; r < g.padded[0]; r++) {
      for (let c = 0; c < g.padded[1]; c++) if (g.isPad(r, c)) styles.set(`${r},${c}`, "pad");
    }
    g.dropped[0].forEach((r) => { for (let c = 0; c < g.padded[1]; c++) styles.set(`${r},${c}`, "dropped"); });
    g.dropped[1].forEach((c) => { for (let r = 0; r < g.padded[0]; r++) styles.set(`${r},${c}`, "dropped"); });
    const notes = [];
    let output;
    if (g.fits) {
      for (let i = 0; i < g.count; i++) {
        const key = g.corner(i).join(",");
        styles.set(key, ((styles.get(key) || "") + " visit").trim());
      }
      for (const [r, c] of g.taps(index)) {
        const key = `${r},${c}`;
        styles.set(key, "window" + ((styles.get(key) || "").includes("visit") ? " visit" : ""));
      }
      const [top, left] = g.corner(index);
      notes.push(cbEl("div", {class: "cb-note", "data-role": "summary",
        text: `output ${g.out[0]}\u00d7${g.out[1]}; window ${index} of 0\u2013${g.count - 1} has its ` +
              `top-left corner at padded row ${top}, column ${left}. Dark corner marks: every ` +
              `top-left position the kernel visits (stride ${g.s[0]}\u00d7${g.s[1]}).`}));
      [["row", g.dropped[0], 0], ["column", g.dropped[1], 1]].forEach(([axis, dropped, a]) => {
        if (!dropped.length) return;
        const inputLines = dropped.filter((d) => d >= g.p[a] && d < g.p[a] + g.n[a]).length;
        const which = inputLines ? `${inputLines} of them input` : "all padding";
        notes.push(cbEl("div", {class: "cb-note", "data-role": "dropped",
          text: `The stride does not divide: floor() drops the last ` +
                `${cbCount(dropped.length, `padded ${axis}`)} (${which}; struck through): ` +
                "no window reaches them."}));
      });
      output = cbGrid(psOutput(g), `output ${g.out[0]}\u00d7${g.out[1]} (all-ones kernel)`,
                      new Map([[`${Math.floor(index / g.out[1])},${index % g.out[1]}`, "out"]]), "Y");
    } else {
      notes.push(cbEl("div", {class: "cb-error", "data-role": "problem", text: g.problem}));
      output = cbEl("div", {class: "cb-error", text: "no output"});
    }
    g.formula.forEach((line) => notes.push(cbEl("div", {class: "cb-note", "data-role": "formula", text: line})));
    const dil = g.d[0] === 1 && g.d[1] === 1 ? "" : `, dilation ${g.d[0]},${g.d[1]}`;
    const kernel = Array.from({length: g.k[0]}, () => new Array(g.k[1]).fill(1));
    display.replaceChildren(cbRow(
      cbGrid(g.input, `padded input ${g.padded[0]}\u00d7${g.padded[1]} (${g.n[0]}\u00d7${g.n[1]} ` +
             `+ padding ${g.p[0]},${g.p[1]})`, styles, "X"),
      cbGrid(kernel, `kernel ${g.k[0]}\u00d7${g.k[1]}${dil}`, undefined, "K"), output), ...notes);
  }
  cbRedrawOn(model, [...PS_NAMES, "square", "window"], draw);
  draw();
  return () => stepper.stop();
}

export default {render};
