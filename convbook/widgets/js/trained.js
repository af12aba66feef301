// The trained-network explorer (section 08): networks of the chapter's layers with their
// weights (convbook.network_export), an input the reader picks or draws, every layer's values
// (fwForward, forward.js), the prediction, and one unit explained. State: networks, names,
// network, labels, images (base64 uint8 N x 28 x 28), image_labels, image, pixels (the canvas,
// base64 uint8), noise, noise_levels, noise_pattern (base64 float32), layer, unit
// ([channel, row, col]; a vector's [index, 0, 0]), colours, top_terms, message. The canvas
// arithmetic is drawing.js (convbook.drawing), the unit's field, text and sums trained_unit.js.
// For tests the root carries what it shows: root.cbTrace (input, every layer's values,
// probabilities, scale limits) and root.cbUnit (the selected unit's arithmetic).

const TN_STRIP = 40;                  // a vector is drawn in rows of this many values
const TN_CELL = 8;                    // CSS px per input pixel on the drawing canvas
const TN_MAP = 84;                    // CSS px of a map (at least 2 per unit)

// --- colours -------------------------------------------------------------------------------

// [r, g, b] of value v on the scale -limit..+limit (trained_figure.colour).
function tnColour(v, limit, colours) {
  const t = limit > 0 ? Math.max(-1, Math.min(1, v / limit)) : 0;
  const end = colours[t > 0 ? "positive" : "negative"], zero = colours.zero;
  return zero.map((z, k) => Math.round(z + Math.abs(t) * (end[k] - z)));
}

function tnNumber(v) {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1000 || a < 0.001) ? v.toExponential(2) : cbFixed(v, 3);
}

function tnPercent(p) { return `${cbFixed(100 * p, 1)}%`; }

function tnPaintValues(canvas, values, offset, count, limit, colours) {
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(canvas.width, canvas.height);
  const [z0, z1, z2] = colours.zero, pos = colours.positive, neg = colours.negative;
  for (let k = 0; k < count; k++) {      // tnColour, without an array per value
    const t = limit > 0 ? Math.max(-1, Math.min(1, values[offset + k] / limit)) : 0;
    const end = t > 0 ? pos : neg, a = Math.abs(t), d = image.data, q = 4 * k;
    d[q] = Math.round(z0 + a * (end[0] - z0));
    d[q + 1] = Math.round(z1 + a * (end[1] - z1));
    d[q + 2] = Math.round(z2 + a * (end[2] - z2));
    d[q + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

function tnGreyCanvas(canvas, values) {
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(canvas.width, canvas.height);
  values.forEach((v, k) => {
    const g = Math.round(255 * v);
    image.data.set([g, g, g, 255], 4 * k);
  });
  ctx.putImageData(image, 0, 0);
}

// A grid of numbers (null: padding, shown as "pad"); `marked` cells get the role `role`.
// tnFillGrid puts new numbers into a grid tnGrid made (the input changed, not the unit).
function tnGrid(M, title, marked = [], role = "win") {
  const node = cbGrid(M.map((row) => row.map(() => "")), title);
  tnFillGrid(node, M, marked, role);
  return node;
}

function tnFillGrid(node, M, marked = [], role = "win") {
  const rows = node.querySelector("tbody").rows;
  const mark = new Set(marked.map(([a, e]) => `${a},${e}`));
  M.forEach((row, a) => row.forEach((v, e) => {
    const td = rows[a].cells[e];
    td.textContent = v === null ? "pad" : cbFixed(v, 2);
    td.className = mark.has(`${a},${e}`) ? `cb-${role}` : v === null ? "cb-pad" : "";
  }));
}

// --- the view ------------------------------------------------------------------------------

function render({model, el}) {
  const root = cbRoot(el, "trained-network explorer");
  root.classList.add("cb-tn");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  const colours = get("colours"), levels = get("noise_levels"), topTerms = get("top_terms");
  const pattern = fwFloats(get("noise_pattern")), images = fwBytes(get("images"));
  const decoded = {};
  const netOf = (name) => (decoded[name] = decoded[name] || fwNetwork(get("networks")[name]));
  const input = get("networks")[get("names")[0]].input, [, H, W] = input;
  const state = {network: null, canvas: null, pixels: null, noise: 0, layer: 1, unit: [0, 0, 0],
                 erase: false, cursor: [Math.floor(H / 2), Math.floor(W / 2)]};
  let values = null, built = null, trace = null, detail = {key: null};
  // What the view shows, for tests: built when read, not on every redraw.
  Object.defineProperty(root, "cbTrace", {get: () => trace && trace(), configurable: true});

  // --- controls
  const networkMenu = cbEl("select", {"aria-label": "network"});
  get("names").forEach((name) => networkMenu.append(cbEl("option", {value: name, text: name})));
  networkMenu.addEventListener("change", () => {
    state.network = networkMenu.value;
    const layers = netOf(state.network).layers, l = layers[state.layer - 1];   // as set_network:
    const sizes = l && (l.shape.length === 3 ? l.shape : [l.shape[0], 1, 1]);   // keep a unit
    if (!l || state.unit.some((u, a) => u >= sizes[a])) {                         // that fits
      state.layer = 1;
      state.unit = [0, 0, 0];
    }
    build();
    update();
    save({network: state.network, layer: state.layer, unit: state.unit, message: ""});
  });
  const imageMenu = cbEl("select", {"aria-label": "image"});
  get("image_labels").forEach((label, i) => imageMenu.append(
    cbEl("option", {value: String(i), text: `${label} #${i}`})));
  imageMenu.addEventListener("change", () => {
    const i = Number(imageMenu.value);
    edit(images.slice(i * H * W, (i + 1) * H * W), {image: i});
  });
  const tool = cbToggle("tool", [["pen", false], ["eraser", true]], false, (v) => {
    state.erase = v;
    tool.update(v);
  });
  const button = (text, label, action) => cbEl("button", {type: "button", text,
                                                           "aria-label": label, onclick: action});
  const shifts = [["\u2190", "shift left", 0, -1], ["\u2192", "shift right", 0, 1],
                  ["\u2191", "shift up", -1, 0], ["\u2193", "shift down", 1, 0]].map(
    ([text, label, dy, dx]) => button(text, label,
                                      () => edit(tnShift(state.canvas, H, W, dy, dx))));
  const noise = cbSlider("noise", 0, levels, 0, (v) => {
    state.noise = v;
    update();
    save({noise: v, message: ""});
  });

  // --- the drawing canvas, its field box and keyboard cursor
  const draw = cbEl("canvas", {width: W, height: H, tabindex: "0", class: "cb-tn-draw", role: "img",
    "aria-label": "input image: draw with the pointer; or arrows move a cursor, Space or " +
                  "Enter paints, E erases"});
  const fieldBox = cbEl("div", {class: "cb-tn-field", "data-role": "field"});
  const cursor = cbEl("div", {class: "cb-tn-cursor", hidden: ""});
  const drawBox = cbEl("div", {class: "cb-tn-drawbox",
                               style: `width:${W * TN_CELL}px;height:${H * TN_CELL}px`},
                       [draw, fieldBox, cursor]);
  let last = null;
  const cellOf = (event) => {
    const box = draw.getBoundingClientRect();
    const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
    return [clamp(Math.floor(((event.clientY - box.top) / box.height) * H), H),
            clamp(Math.floor(((event.clientX - box.left) / box.width) * W), W)];
  };
  const stroke = (cells) => {
    state.canvas = tnPaint(state.canvas, H, W, cells, state.erase);
    update();
  };
  draw.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    draw.setPointerCapture(event.pointerId);
    last = cellOf(event);
    stroke([last]);
  });
  draw.addEventListener("pointermove", (event) => {
    if (!last) return;
    const cell = cellOf(event);
    if (cell[0] === last[0] && cell[1] === last[1]) return;
    stroke(tnLine(last, cell));
    last = cell;
  });
  const strokeEnd = () => {
    if (!last) return;
    last = null;
    commitCanvas();
  };
  draw.addEventListener("pointerup", strokeEnd);
  draw.addEventListener("pointercancel", strokeEnd);
  const placeCursor = () => {
    cursor.style.top = `${state.cursor[0] * TN_CELL}px`;
    cursor.style.left = `${state.cursor[1] * TN_CELL}px`;
  };
  draw.addEventListener("focus", () => { cursor.hidden = false; placeCursor(); });
  draw.addEventListener("blur", () => { cursor.hidden = true; });
  draw.addEventListener("keydown", (event) => {
    const moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};
    if (moves[event.key]) {
      const [dr, dc] = moves[event.key];
      const [r, c] = state.cursor;
      state.cursor = [Math.max(0, Math.min(H - 1, r + dr)), Math.max(0, Math.min(W - 1, c + dc))];
      placeCursor();
    } else if ([" ", "Enter", "e", "E"].includes(event.key)) {
      const erase = event.key === "e" || event.key === "E" ? true : state.erase;
      state.canvas = tnPaint(state.canvas, H, W, [state.cursor], erase);
      update();
      commitCanvas();
    } else return;
    event.preventDefault();
  });

  // --- prediction
  const prediction = cbEl("div", {class: "cb-tn-answer", "data-role": "prediction"});
  const bars = get("labels").map((label) => {
    const fill = cbEl("div", {class: "cb-tn-fill"});
    const percent = cbEl("span", {class: "cb-tn-percent", "data-role": "probability"});
    const row = cbEl("div", {class: "cb-tn-bar"}, [
      cbEl("span", {class: "cb-tn-label", text: label}),
      cbEl("div", {class: "cb-tn-track", "aria-hidden": "true"}, [fill]), percent]);
    return {row, fill, percent};
  });
  const logits = cbEl("div", {class: "cb-note", "data-role": "logits"});

  // --- the unit
  const layerMenu = cbEl("select", {"aria-label": "layer"});
  layerMenu.addEventListener("change", () => select(Number(layerMenu.value), state.unit));
  const sliders = ["unit channel", "unit row", "unit col"].map((label, a) =>
    cbSlider(label, 0, 0, 0, (v) => select(state.layer,
                                            state.unit.map((u, k) => (k === a ? v : u)))));
  const readout = cbEl("div", {"aria-live": "polite"});
  const details = cbEl("div", {class: "cb-tn-details"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  const layersBox = cbEl("div", {class: "cb-tn-layers"});
  const marker = cbEl("div", {class: "cb-tn-marker", "aria-hidden": "true"});

  const labelled = (text, control) => cbEl("label", {}, [cbEl("span", {text}), control]);
  const hint = "Draw with the mouse or a finger. Keyboard: Tab to the image; arrows move the " +
               "cursor, Space or Enter paints, E erases.";
  root.append(
    cbEl("div", {class: "cb-controls"}, [labelled("network", networkMenu),
                                          labelled("image", imageMenu)]),
    cbEl("div", {class: "cb-row"}, [
      cbEl("div", {}, [drawBox, cbEl("div", {class: "cb-note cb-tn-hint", text: hint})]),
      cbEl("div", {class: "cb-tn-side"}, [
        tool.node,
        cbEl("div", {class: "cb-controls"}, [
          button("clear", "clear", () => edit(new Uint8Array(H * W))),
          button("invert", "invert", () => edit(tnInvert(state.canvas))),
          button("rotate 90\u00b0", "rotate 90 degrees counter-clockwise",
                 () => edit(tnRotate(state.canvas, H, W)))]),
        cbEl("div", {class: "cb-controls", role: "group", "aria-label": "shift by one pixel"},
             [cbEl("span", {text: "shift"}), ...shifts]),
        cbEl("div", {class: "cb-controls"}, [noise.node]),
        prediction, cbEl("div", {class: "cb-tn-bars"}, bars.map((b) => b.row)), logits])]),
    error,
    cbEl("div", {class: "cb-controls"}, [labelled("layer", layerMenu)]),
    cbEl("div", {class: "cb-controls"}, sliders.map((s) => s.node)),
    cbEl("div", {class: "cb-note", text: "Or click a unit in a map below."}),
    readout, details, layersBox);

  // --- state changes
  function commitCanvas() {
    state.pixels = tnBase64(state.canvas);
    save({pixels: state.pixels, message: ""});
  }
  function edit(canvas, extra = {}) {
    state.canvas = canvas;
    update();
    state.pixels = tnBase64(canvas);
    save({pixels: state.pixels, ...extra, message: ""});
  }
  function select(b, unit) {
    const shape = netOf(state.network).layers[b - 1].shape;
    const sizes = shape.length === 3 ? shape : [shape[0], 1, 1];
    state.layer = b;
    state.unit = unit.map((u, a) => Math.max(0, Math.min(sizes[a] - 1, u)));
    showUnit();
    save({layer: state.layer, unit: state.unit, message: ""});
  }

  // The DOM of one network, built once: a section per layer with a canvas per channel.
  function build() {
    const net = netOf(state.network);
    layerMenu.replaceChildren(...net.layers.map((l, i) => cbEl("option", {value: String(i + 1),
      text: `${i + 1}: ${l.name.split("(")[0]} \u2192 ${tnShape(l.shape)}`})));
    const sections = net.layers.map((l, i) => {
      const b = i + 1, limits = cbEl("span", {class: "cb-tn-limits", "data-role": "limits"});
      const bar = cbEl("canvas", {width: 100, height: 1, class: "cb-tn-colourbar",
                                  "aria-hidden": "true"});
      const ramp = Float64Array.from({length: 100}, (_, k) => (k - 49.5) / 49.5);
      tnPaintValues(bar, ramp, 0, 100, 1, colours);
      let canvases;
      if (l.shape.length === 3) {
        const [c, h, w] = l.shape, px = Math.max(2, Math.floor(TN_MAP / Math.max(h, w)));
        canvases = Array.from({length: c}, (_, ch) => {
          const canvas = cbEl("canvas", {width: w, height: h, class: "cb-tn-map",
                                         "aria-hidden": "true",
                                         style: `width:${w * px}px;height:${h * px}px`});
          canvas.addEventListener("click", (event) => {
            const box = canvas.getBoundingClientRect();
            const y = (event.clientY - box.top) / box.height;
            select(b, [ch, Math.min(h - 1, Math.floor(y * h)),
                       Math.min(w - 1, Math.floor(((event.clientX - box.left) / box.width) * w))]);
          });
          return cbEl("span", {class: "cb-tn-cell", "data-channel": String(ch)}, [canvas]);
        });
      } else {
        const n = l.shape[0], cols = Math.min(n, TN_STRIP), rows = Math.ceil(n / cols);
        const canvas = cbEl("canvas", {width: cols, height: rows, class: "cb-tn-map",
                                       "aria-hidden": "true",
                                       style: `width:${cols * TN_CELL}px;` +
                                              `height:${rows * TN_CELL}px`});
        canvas.addEventListener("click", (event) => {
          const box = canvas.getBoundingClientRect();
          const r = Math.floor(((event.clientY - box.top) / box.height) * rows);
          const k = Math.floor(((event.clientX - box.left) / box.width) * cols);
          select(b, [Math.min(n - 1, r * cols + k), 0, 0]);
        });
        canvases = [cbEl("span", {class: "cb-tn-cell", "data-channel": "0"}, [canvas])];
      }
      const node = cbEl("section", {class: "cb-tn-layer", "data-layer": String(b)}, [
        cbEl("div", {class: "cb-tn-head"}, [
          cbEl("span", {class: "cb-tn-title", text: `${b}: ${l.name} \u2192 ${tnShape(l.shape)}`}),
                                             bar, limits]),
        cbEl("div", {class: "cb-tn-maps"}, canvases)]);
      return {node, limits, canvases: canvases.map((c) => c.firstChild), cells: canvases};
    });
    layersBox.replaceChildren(...sections.map((s) => s.node));
    built = {name: state.network, sections};
    networkMenu.value = state.network;
  }

  // Every input change: the forward pass, then only pixels and texts are repainted.
  function update() {
    const net = netOf(state.network);
    values = fwForward(net, tnInput(state.canvas, state.noise, pattern, levels));
    tnGreyCanvas(draw, values[0]);
    const limits = [];
    net.layers.forEach((l, i) => {
      const v = values[i + 1], section = built.sections[i];
      let limit = 0;
      for (let k = 0; k < v.length; k++) limit = Math.max(limit, Math.abs(v[k]));
      limits.push(limit);
      const shown = tnNumber(limit);
      section.limits.textContent = `scale \u2212${shown} \u2026 0 \u2026 +${shown}`;
      if (l.shape.length === 3) {
        const per = l.shape[1] * l.shape[2];
        section.canvases.forEach((canvas, ch) =>
          tnPaintValues(canvas, v, ch * per, per, limit, colours));
      } else tnPaintValues(section.canvases[0], v, 0, v.length, limit, colours);
    });
    const out = values[values.length - 1], probabilities = fwSoftmax(out);
    let best = 0;
    probabilities.forEach((p, k) => {
      if (p > probabilities[best]) best = k;
      bars[k].fill.style.width = `${(100 * p).toFixed(2)}%`;
      bars[k].percent.textContent = tnPercent(p);
    });
    bars.forEach((b, k) => b.row.classList.toggle("cb-tn-top", k === best));
    const answer = `${get("labels")[best]} (${tnPercent(probabilities[best])})`;
    prediction.textContent = `Prediction: ${answer}`;
    logits.textContent = `logits: ${Array.from(out, (v) => cbFixed(v, 2)).join(", ")}`;
    noise.update(state.noise, 0, levels);
    const shown = {network: state.network, canvas: state.canvas, noise: state.noise, values,
                   probabilities, limits};
    trace = () => ({network: shown.network, pixels: tnBase64(shown.canvas), noise: shown.noise,
                    input: Array.from(shown.values[0]),
                    values: shown.values.slice(1).map((v) => Array.from(v)),
                    probabilities: Array.from(shown.probabilities), limits: shown.limits});
    showUnit();
  }

  // The selected unit: its box on the input and its map, the readout and its arithmetic.
  function showUnit() {
    const net = netOf(state.network), b = state.layer, unit = state.unit, l = net.layers[b - 1];
    const field = tnField(net.layers, b, unit, input), [[top, bottom], [left, right]] = field;
    const clip = (v, n) => Math.max(0, Math.min(n, v));
    Object.assign(fieldBox.style, {
      top: `${clip(top, H) * TN_CELL}px`, left: `${clip(left, W) * TN_CELL}px`,
      height: `${(clip(bottom + 1, H) - clip(top, H)) * TN_CELL}px`,
      width: `${(clip(right + 1, W) - clip(left, W)) * TN_CELL}px`});
    fieldBox.dataset.bounds = `${top},${bottom},${left},${right}`;
    layerMenu.value = String(b);
    const sizes = l.shape.length === 3 ? l.shape : [l.shape[0], 1, 1];
    sliders.forEach((s, a) => s.update(unit[a], 0, sizes[a] - 1));
    const cell = built.sections[b - 1].cells[l.shape.length === 3 ? unit[0] : 0];
    const strip = Math.min(l.shape[0], TN_STRIP);
    const [rows, cols] = l.shape.length === 3 ? l.shape.slice(1)
      : [Math.ceil(l.shape[0] / strip), strip];
    const [r, c] = l.shape.length === 3 ? unit.slice(1)
      : [Math.floor(unit[0] / cols), unit[0] % cols];
    Object.assign(marker.style, {top: `${(100 * r) / rows}%`, left: `${(100 * c) / cols}%`,
                                 width: `${100 / cols}%`, height: `${100 / rows}%`});
    cell.append(marker);
    const u = tnUnit(net, values, b, unit), key = `${state.network}|${b}|${unit.join(",")}`;
    root.cbUnit = {layer: b, unit, field, ...u,
                   channels: u.channels && u.channels.map((ch) => ({partial: ch.partial}))};
    if (key !== detail.key) {            // a new unit: its texts and grids are built once
      const lines = tnReadout(net.layers, field, b, unit, topTerms, input);
      readout.replaceChildren(...lines.map((line) => cbEl("div", {class: "cb-note",
                                                                  "data-role": "readout",
                                                                  text: line})));
      detail = {key, ...unitDetails(l, u, b)};
      details.replaceChildren(...detail.nodes);
    }
    detail.fill(u);                      // the input changed: only numbers are rewritten
  }

  // The DOM explaining one unit (nodes) and fill(u), which writes its numbers for the input.
  function unitDetails(l, u, b) {
    const source = b === 1 ? "input" : `layer ${b - 1}`;
    const note = (role) => cbEl("div", {class: "cb-note", "data-role": role});
    const sum = note("sum");
    if (l.kind === "conv") {
      const parts = u.channels.map((ch, q) => ({
        window: tnGrid(ch.window, `${source}, channel ${q}: window`),
        kernel: tnGrid(ch.kernel, `kernel for channel ${q}`), partial: note("partial")}));
      const signed = (v) => (cbFixed(v, 4).startsWith("-") ? `(${cbFixed(v, 4)})` : cbFixed(v, 4));
      const pairs = parts.map((p) => cbEl("div", {class: "cb-tn-pair"},
                                          [p.window, p.kernel, p.partial]));
      return {nodes: [cbEl("div", {class: "cb-tn-pairs"}, pairs), sum],
        fill(v) {
          v.channels.forEach((ch, q) => {
            tnFillGrid(parts[q].window, ch.window);
            parts[q].partial.textContent = `partial sum ${q} = ${cbFixed(ch.partial, 4)}`;
          });
          const terms = v.channels.map((ch) => signed(ch.partial)).join(" + ");
          sum.textContent = `value = partial sums + bias = ${terms} + ${signed(v.bias)} = ` +
                            cbFixed(v.value, 4);
        }};
    }
    if (l.kind === "maxpool" || l.kind === "avgpool") {
      const grid = tnGrid(u.window, `${source}, channel ${state.unit[0]}: window`);
      return {nodes: [grid, sum], fill(v) {
        tnFillGrid(grid, v.window, v.winner ? [v.winner] : []);
        const what = l.kind === "maxpool" ? "max" : "average";
        sum.textContent = `${what} of the window = ${cbFixed(v.value, 4)}`;
      }};
    }
    if (l.kind === "linear") {
      const lines = u.terms.slice(0, topTerms).map(() => note("term"));
      return {nodes: [...lines, sum], fill(v) {
        v.terms.slice(0, topTerms).forEach((t, k) => {
          lines[k].textContent = `input ${t.index}: weight ${cbFixed(t.weight, 4)} \u00d7 value ` +
                                 `${cbFixed(t.input, 4)} = ${cbFixed(t.product, 4)}`;
        });
        sum.textContent = `value = sum of all ${l.inputs} products + bias ${cbFixed(v.bias, 4)} ` +
                          `= ${cbFixed(v.value, 4)}`;
      }};
    }
    return {nodes: [sum], fill(v) {
      const what = l.kind === "flatten" ? "copied"
        : `${TN_ACTIVATIONS[l.kind][0]}(${cbFixed(v.input, 4)})`;
      sum.textContent = `value = ${what} = ${cbFixed(v.value, 4)}`;
    }};
  }

  // The model's state into the view (at start, and when the kernel changes it).
  function load() {
    const name = get("network"), pixels = get("pixels");
    const changed = name !== state.network || pixels !== state.pixels ||
      get("noise") !== state.noise || get("layer") !== state.layer ||
      JSON.stringify(get("unit")) !== JSON.stringify(state.unit);
    if (pixels !== state.pixels) { state.canvas = fwBytes(pixels); state.pixels = pixels; }
    Object.assign(state, {noise: get("noise"), layer: get("layer"), unit: get("unit")});
    imageMenu.value = String(get("image"));
    error.textContent = get("message");
    if (name !== state.network) { state.network = name; build(); }
    if (changed) update();
  }
  cbRedrawOn(model, ["network", "pixels", "noise", "layer", "unit", "image"], load);
  load();
}

export default {render};
