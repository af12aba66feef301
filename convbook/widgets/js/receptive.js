// The receptive-field explorer (section 04): pick a network, a layer and a unit; see the input
// region and every feature map's region the unit depends on. State: presets, preset, text
// (the layers box, as typed), net_text (the network in use), layer, unit, gradient, image,
// images ([{label, shape, pixels}]: the sample, base64 bytes = 255 x the values), weights
// ({preset: convbook.network_export JSON}: the presets whose weights Python sends, LeNet's),
// custom, limits, message. The geometry (shapes, closed-form fields, clipping, effective
// receptive field of the uniform-weight network) is recomputed here as convbook.network_fields
// does in Python (the parser is netspec.js, shared with the network sheet), and so are the
// feature maps: the forward pass of forward.js, with the sent weights or, for any other
// network, the weights layers_from_text gives it (netinit.js makes the same float32 values).


// The layer text (netspec.js, the language of convbook.netspec) as its spatial layers
// [{kind, k, s, p, d}] (activations, flatten and dense do not change a field), or {error}.
// `typed` keeps every parsed layer (the forward pass needs the activations too).
function rfParse(text, limits) {
  const parsed = nsParse(text, limits);
  if (parsed.error) return parsed;
  const layers = parsed.layers.filter((l) => NS_SPATIAL.includes(l.kind));
  if (!layers.length) return {error: "model has no Conv2d, MaxPool2d or AvgPool2d layer before any Flatten"};
  return {layers, typed: parsed.layers};
}

// Refused as layers_from_text refuses it (its words, its order), or {}: with a dense layer,
// one that does not fit (the dense layers' inputs need the shapes); then more parameters
// than limits.parameters, counted exactly (BigInt).
function rfParameters(typed, input, limits) {
  let count = 0n;
  if (typed.some((l) => l.kind === "dense")) {
    const sheet = nsSheet(typed, input);
    if (sheet.error) return {error: sheet.error};
    count = sheet.parameters;
  } else {
    let inputs = BigInt(input[0]);
    for (const l of typed.filter((t) => t.kind === "conv")) {
      const c = BigInt(l.c || 4);
      count += c * (inputs * BigInt(l.k[0] * l.k[1]) + 1n);
      inputs = c;
    }
  }
  if (count > BigInt(limits.parameters)) {
    return {error: `text asks for ${nsCount(count)} parameters; at most ` +
                   `${nsCount(limits.parameters)} are built here (NetworkSheet counts bigger networks without building them)`};
  }
  return {};
}

// convbook.netspec.describe_layer: the geometry, not the channels.
function rfDescribe(l) { return nsDescribe({...l, c: null}); }

// Shapes of every map for an input of shape `input`, or {error} naming the layer that does not fit.
function rfShapes(layers, input) {
  const shapes = [input];
  for (let b = 1; b <= layers.length; b++) {
    const l = layers[b - 1], [h, w] = shapes[b - 1];
    const out = [0, 1].map((a) => cbOutputSize(shapes[b - 1][a], l.k[a], l.p[a], l.s[a], l.d[a]));
    const fits = [0, 1].every((a) => l.d[a] * (l.k[a] - 1) + 1 <= shapes[b - 1][a] + 2 * l.p[a]);
    if (!fits) {
      const why = b === 1 ? `its kernel is larger than the ${h}x${w} image padded by ${l.p[0]},${l.p[1]}`
        : `the layers before it shrink the ${input[0]}x${input[1]} image to ${h}x${w}, smaller ` +
          `than its kernel (padding ${l.p[0]},${l.p[1]})`;
      return {error: `layer ${b} (${rfDescribe(l)}) does not fit: ${why}`};
    }
    shapes.push(out);
  }
  return {shapes};
}

function rfRegion(layers, a, b, unit) {
  if (a === b) return [[unit[0], unit[0]], [unit[1], unit[1]]];
  const f = cbField(layers.slice(a, b));
  return [0, 1].map((x) => [-f.padding[x] + unit[x] * f.stride[x],
                            -f.padding[x] + unit[x] * f.stride[x] + f.size[x] - 1]);
}

function rfClip(shape, bounds) {
  const c = bounds.map(([lo, hi], x) => [Math.max(lo, 0), Math.min(hi, shape[x] - 1)]);
  return c.some(([lo, hi]) => lo > hi) ? null : c;
}

// The part of map a that unit of map b really depends on (null: padding only).
function rfSeen(layers, shapes, a, b, unit) {
  let bounds = [[unit[0], unit[0]], [unit[1], unit[1]]];
  for (let n = b; n > a; n--) {
    const l = layers[n - 1];
    bounds = rfClip(shapes[n - 1], bounds.map(([lo, hi], x) =>
      [lo * l.s[x] - l.p[x], hi * l.s[x] - l.p[x] + l.d[x] * (l.k[x] - 1)]));
    if (!bounds) return null;
  }
  return bounds;
}

function rfMargins(layers, shapes) {
  return shapes.map((shape, a) => {
    const m = [0, 0, 0, 0];
    for (let b = a + 1; b < shapes.length; b++) {
      const [[top], [left]] = rfRegion(layers, a, b, [0, 0]);
      const [[, bottom], [, right]] = rfRegion(layers, a, b, [shapes[b][0] - 1, shapes[b][1] - 1]);
      m[0] = Math.max(m[0], -top); m[1] = Math.max(m[1], -left);
      m[2] = Math.max(m[2], bottom - shape[0] + 1); m[3] = Math.max(m[3], right - shape[1] + 1);
    }
    return m;
  });
}

// |d unit / d input| of the linear network with uniform weights (every kernel and pooling window
// averages its cells, max pooling becomes average pooling), by backpropagation: h x w.
function rfGradient(layers, input, unit, padded = true) {
  const shapes = [input];
  for (const l of layers) {
    const p = padded ? l.p : [0, 0], prev = shapes[shapes.length - 1];
    shapes.push([0, 1].map((a) => cbOutputSize(prev[a], l.k[a], p[a], l.s[a], l.d[a])));
  }
  let g = shapes[shapes.length - 1].length && Array.from({length: shapes[shapes.length - 1][0]},
    (_, i) => new Float64Array(shapes[shapes.length - 1][1]).map((_, j) => (i === unit[0] && j === unit[1] ? 1 : 0)));
  for (let n = layers.length; n >= 1; n--) {
    const l = layers[n - 1], p = padded ? l.p : [0, 0], [h, w] = shapes[n - 1], weight = 1 / (l.k[0] * l.k[1]);
    const back = Array.from({length: h}, () => new Float64Array(w));
    g.forEach((row, i) => row.forEach((v, j) => {
      if (!v) return;
      for (let a = 0; a < l.k[0]; a++) {
        const r = i * l.s[0] - p[0] + a * l.d[0];
        if (r < 0 || r >= h) continue;
        for (let b = 0; b < l.k[1]; b++) {
          const c = j * l.s[1] - p[1] + b * l.d[1];
          if (c >= 0 && c < w) back[r][c] += v * weight;
        }
      }
    }));
    g = back;
  }
  return g;
}

// Effective-receptive-field weights along one axis, as convbook.network_fields counts them:
// how many paths join each input position to one unit (float64, >= 1 where a path exists, so a
// 0 is a hole, never an underflow); the 2-D weights are the outer product of the two axes'.
function rfAxisWeights(layers, axis) {
  let w = new Float64Array([1]);
  for (let n = layers.length - 1; n >= 0; n--) {
    const l = layers[n], k = l.k[axis], s = l.s[axis], d = l.d[axis];
    const wider = new Float64Array((w.length - 1) * s + d * (k - 1) + 1);
    for (let t = 0; t < k; t++) for (let i = 0; i < w.length; i++) wider[t * d + i * s] += w[i];
    w = wider;
  }
  return w;
}

// (heaviest / lightest non-zero weight, pixels of the field with no weight), per axis: no 2-D
// array, so a field of millions of pixels is counted, not drawn (weight_ratio in Python).
function rfWeightRatio(layers) {
  const [rows, cols] = [0, 1].map((axis) => {
    let max = 0, min = Infinity, used = 0;
    const w = rfAxisWeights(layers, axis);
    for (const v of w) if (v > 0) { used++; max = Math.max(max, v); min = Math.min(min, v); }
    return {max, min, used, length: w.length};
  });
  return [(rows.max / rows.min) * (cols.max / cols.min),
          rows.length * cols.length - rows.used * cols.used];
}

// The most multiply-adds one forward pass may take in the page (about a third of a second):
// a bigger typed network keeps its boxes and readout, its maps say why they are not drawn.
const RF_MAX_WORK = 1e8;

// Multiply-adds of fwForward on the network (every window position, padding included).
function rfWork(net) {
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  return net.layers.reduce((work, l) => work + size(l.shape) * (l.kind === "conv" ? l.inputs * l.k[0] * l.k[1]
    : l.k ? l.k[0] * l.k[1] : l.kind === "linear" ? l.inputs : 1), 0);
}

// The network whose maps are shown, up to its last conv/pool layer, as fwForward runs it: the
// weights Python sent for a preset (weights[preset]), else the typed layers with
// layers_from_text's weights (netinit.js, 4 channels per conv unless cN says otherwise).
function rfForwardNet(weights, preset, typed, input) {
  if (weights[preset]) return fwNetwork(weights[preset]);
  let last = 0;
  typed.forEach((l, i) => { if (NS_SPATIAL.includes(l.kind)) last = i + 1; });
  return niNetwork(typed, [1, ...input], 4, last);
}

// The values of channel 0 after every conv/pool layer of `net` for image values `x`: the maps
// the explorer paints (convbook.network_fields.NetworkFields.maps before scaling), each
// {shape: [h, w], values: Float64Array}; the input first.
function rfMaps(net, x, input) {
  const values = fwForward(net, x), maps = [{shape: input, values: Float64Array.from(x)}];
  net.layers.forEach((l, i) => {
    if (NS_SPATIAL.includes(l.kind)) {
      const [, h, w] = l.shape;
      maps.push({shape: [h, w], values: values[i + 1].slice(0, h * w)});
    }
  });
  return maps;
}

// Grey levels of a map as NetworkFields scales it and the PNGs held it: (m - min) /
// (max - min + 1e-12), clipped to [0, 1], times 255, truncated.
function rfGrey(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return Uint8ClampedArray.from(values, (v) => Math.floor(Math.min(Math.max((v - lo) / (hi - lo + 1e-12), 0), 1) * 255));
}

// The sample image's values (bytes / 255, as float32 like torch's image.float() / 255) and its
// grey levels (the bytes themselves).
function rfImage(image) {
  const grey = fwBytes(image.pixels);
  return {grey, values: Float32Array.from(grey, (b) => b / 255)};
}

function rfNumber(v) { return String(Number(v) + 0); }

function rfReadout(net, b, unit, gradient) {
  const f = cbField(net.layers.slice(0, b)), region = rfRegion(net.layers, 0, b, unit);
  const [[top, bottom], [left, right]] = region;
  const x = (v) => v.map(rfNumber).join("\u00d7");
  const lines = [`Layer ${b} (${rfDescribe(net.layers[b - 1])}), unit (${unit[0]}, ${unit[1]}): ` +
    `receptive field ${x(f.size)}, effective stride ${x(f.stride)}, effective padding ` +
    `${x(f.padding)}, start (centre of unit (0, 0)) (${rfNumber(f.start[0])}, ${rfNumber(f.start[1])}).`,
    `It sees input rows ${top}..${bottom} and columns ${left}..${right} (dashed box).`];
  const clipped = rfSeen(net.layers, net.shapes, 0, b, unit), [nh, nw] = net.shapes[0];
  const same = (p, q) => JSON.stringify(p) === JSON.stringify(q);
  if (!clipped) lines.push("The whole field lies in the zero padding: this unit sees no pixel.");
  else if (!same(clipped, region)) {
    const out = [[top, -1], [nh, bottom]].filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => `rows ${lo}..${hi}`)
      .concat([[left, -1], [nw, right]].filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => `columns ${lo}..${hi}`));
    let text = out.length ? `Clipped: ${out.join(", ")} fall in the zero padding (hatched); ` : "Clipped: ";
    text += `the pixels it really uses are rows ${clipped[0][0]}..${clipped[0][1]}, columns ` +
            `${clipped[1][0]}..${clipped[1][1]} (filled box).`;
    if (!same(clipped, rfClip(net.shapes[0], region))) {
      text += " Image pixels outside the filled box reach it only through padding of a feature map, " +
              "or were dropped by a floor() on the way.";
    }
    lines.push(text);
  }
  if (gradient) {
    const [ratio, holes] = rfWeightRatio(net.layers.slice(0, b));
    const shown = ratio < 1e6 ? cbFixed(ratio, 1) : ratio.toExponential(1);
    lines.push("Effective receptive field (red, |d unit / d input| with uniform weights): the " +
      `heaviest pixel of the field weighs ${shown}\u00d7 the lightest it uses` +
      (holes ? `; ${cbCount(holes, "pixel")} of the field get no weight (holes left by dilation ` +
               "or stride)." : "."));
  }
  return lines;
}

function render({model, el}) {
  const root = cbRoot(el, "receptive-field explorer");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  const netOf = (text) => {
    const parsed = rfParse(text, get("limits")), input = get("images")[0].shape;
    if (parsed.error) return parsed;
    const counted = rfParameters(parsed.typed, [1, ...input], get("limits"));
    if (counted.error) return counted;
    const shaped = rfShapes(parsed.layers, input);
    return shaped.error ? shaped : {layers: parsed.layers, typed: parsed.typed, shapes: shaped.shapes};
  };
  // The maps of the network and image in use, computed once ({maps, grey} or {error}): a
  // slider only moves boxes. root.cbMaps holds the last ones for the site tests.
  let cached = {key: null}, network = {key: null}, images = {};
  const mapsOf = (net) => {
    const preset = get("preset"), index = get("image"), netKey = JSON.stringify([preset, get("net_text")]);
    const key = `${netKey}|${index}`, shape = get("images")[0].shape;
    if (cached.key === key) return cached;
    if (network.key !== netKey) {        // weights decoded or made once per network
      const forward = rfForwardNet(get("weights"), preset, net.typed, shape);
      network = {key: netKey, forward, work: rfWork(forward)};
    }
    const {forward, work} = network;
    if (!images[index]) images[index] = rfImage(get("images")[index]);
    cached = work > RF_MAX_WORK
      ? {key, error: `Feature maps not drawn: this network takes ${nsCount(Math.round(work))} multiply-adds, ` +
                     `more than the ${nsCount(RF_MAX_WORK)} the page computes. Boxes and numbers are exact.`}
      : {key, maps: rfMaps(forward, images[index].values, shape)};
    cached.grey = cached.maps ? cached.maps.map((m, a) => (a === 0 ? images[index].grey : rfGrey(m.values)))
      : [images[index].grey];
    root.cbMaps = cached;
    return cached;
  };
  // Use a network text: refused (state and typed text kept) when it does not parse or fit.
  const useText = (text, preset) => {
    const net = netOf(text);
    if (net.error) return save({text, message: `Cannot use these layers: ${net.error}. Showing the previous network.`});
    const layer = net.layers.length, shape = net.shapes[layer];
    save({text, preset, net_text: text, layer, unit: [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2)], message: ""});
  };
  const presetMenu = cbEl("select", {"aria-label": "network"});
  const custom = get("custom");
  for (const name of [...Object.keys(get("presets")), custom]) presetMenu.append(cbEl("option", {value: name, text: name}));
  presetMenu.addEventListener("change", () => {
    if (presetMenu.value !== custom) useText(get("presets")[presetMenu.value], presetMenu.value);
    else save({preset: custom});
  });
  const imageMenu = cbEl("select", {"aria-label": "image"});
  get("images").forEach((im, i) => imageMenu.append(cbEl("option", {value: String(i), text: im.label})));
  imageMenu.addEventListener("change", () => save({image: Number(imageMenu.value)}));
  const text = cbEl("input", {type: "text", spellcheck: "false", "aria-label": "layers"});
  const typed = cbTyped(text);
  const apply = cbEl("button", {type: "button", text: "use these layers"});
  apply.addEventListener("click", () => useText(text.value, custom));
  text.addEventListener("keydown", (e) => { if (e.key === "Enter") useText(text.value, custom); });
  const layerMenu = cbEl("select", {"aria-label": "layer"});
  layerMenu.addEventListener("change", () => {
    const layer = Number(layerMenu.value), shape = netOf(get("net_text")).shapes[layer], u = get("unit");
    save({layer, unit: [Math.min(u[0], shape[0] - 1), Math.min(u[1], shape[1] - 1)], message: ""});
  });
  const row = cbSlider("unit row", 0, 0, 0, (v) => save({unit: [v, get("unit")[1]]}));
  const col = cbSlider("unit col", 0, 0, 0, (v) => save({unit: [get("unit")[0], v]}));
  const gradient = cbToggle("effective RF", [["off", false], ["on", true]], get("gradient"), (v) => save({gradient: v}));
  const display = cbEl("div", {"aria-live": "polite"});
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  root.append(
    cbEl("div", {class: "cb-controls"}, [cbEl("label", {}, [cbEl("span", {text: "network"}), presetMenu]),
                                          cbEl("label", {}, [cbEl("span", {text: "image"}), imageMenu])]),
    cbEl("div", {class: "cb-controls"}, [cbEl("label", {}, [cbEl("span", {text: "layers"}), text, typed.mark]), apply]),
    cbEl("div", {class: "cb-note", text: "e.g. conv 3 s2 p1 d1; pool 2; avgpool 2; relu (s stride, p padding, d dilation)"}),
    cbEl("div", {class: "cb-controls"}, [cbEl("label", {}, [cbEl("span", {text: "layer"}), layerMenu]), gradient.node]),
    cbEl("div", {class: "cb-controls"}, [row.node, col.node]), error, display);

  function mapView(title, grey, shape, margin, cellSize, boxes, faded, overlay) {
    const width = (shape[1] + margin[1] + margin[3]) * cellSize, height = (shape[0] + margin[0] + margin[2]) * cellSize;
    const box = cbEl("div", {class: "cb-rf-map", style: `position:relative;width:${width}px;height:${height}px;` +
      "background:repeating-linear-gradient(45deg,#eee 0 4px,#ddd 4px 8px);outline:1px solid #999"});
    const place = `position:absolute;left:${margin[1] * cellSize}px;top:${margin[0] * cellSize}px;` +
                  `width:${shape[1] * cellSize}px;height:${shape[0] * cellSize}px;image-rendering:pixelated`;
    if (grey) {
      const canvas = cbEl("canvas", {width: shape[1], height: shape[0], style: place, role: "img", "aria-label": title});
      const ctx = canvas.getContext("2d"), image = ctx.createImageData(shape[1], shape[0]);
      grey.forEach((g, k) => image.data.set([g, g, g, 255], 4 * k));
      ctx.putImageData(image, 0, 0);
      box.append(canvas);
    } else {
      box.append(cbEl("div", {style: place + ";background:#fff"}));
    }
    if (overlay) { overlay.setAttribute("style", place); box.append(overlay); }
    boxes.forEach(({bounds: [[top, bottom], [left, right]], css, role}) => box.append(cbEl("div", {
      "data-role": role, "data-bounds": `${top},${bottom},${left},${right}`,
      style: `position:absolute;left:${(left + margin[1]) * cellSize}px;top:${(top + margin[0]) * cellSize}px;` +
             `width:${(right - left + 1) * cellSize - 2}px;height:${(bottom - top + 1) * cellSize - 2}px;${css}`})));
    return cbEl("figure", {style: `margin:0;opacity:${faded ? 0.45 : 1}`},
                [cbEl("figcaption", {text: title, style: "font-weight:bold;font-size:12px;margin-bottom:3px;white-space:nowrap"}), box]);
  }

  function draw() {
    const net = netOf(get("net_text")), b = Math.min(get("layer"), net.layers.length);
    const shape = net.shapes[b], unit = get("unit").map((u, x) => Math.min(u, shape[x] - 1));
    presetMenu.value = get("preset");
    imageMenu.value = String(get("image"));
    typed.sync(get("text"));
    layerMenu.replaceChildren(...net.layers.map((l, i) => cbEl("option", {value: String(i + 1),
      text: `${i + 1}: ${rfDescribe(l)} \u2192 ${net.shapes[i + 1][0]}\u00d7${net.shapes[i + 1][1]}`})));
    layerMenu.value = String(b);
    row.update(unit[0], 0, shape[0] - 1);
    col.update(unit[1], 0, shape[1] - 1);
    gradient.update(get("gradient"));
    error.textContent = get("message");
    const margins = rfMargins(net.layers, net.shapes), maps = mapsOf(net);
    const views = net.shapes.map((s, a) => {
      const m = margins[a], cells = Math.max(3, Math.min(20, Math.floor(220 / Math.max(s[0] + m[0] + m[2], s[1] + m[1] + m[3]))));
      const title = (a === 0 ? "input" : `${a}: ${rfDescribe(net.layers[a - 1])}`) + ` ${s[0]}\u00d7${s[1]}`;
      const boxes = [];
      let overlay = null;
      if (a < b) {
        boxes.push({bounds: rfRegion(net.layers, a, b, unit), css: "border:1px dashed #c0392b;", role: "field"});
        const seen = rfSeen(net.layers, net.shapes, a, b, unit);
        if (seen) boxes.push({bounds: seen, role: "seen", css: "border:1px solid #c0392b;" +
          (a === 0 && get("gradient") ? "" : "background:rgba(255,209,102,0.45);")});
      } else if (a === b) {
        boxes.push({bounds: rfRegion(net.layers, a, b, unit), role: "unit",
                    css: "border:1px solid #1d6f65;background:rgba(42,157,143,0.7);"});
      }
      if (a === 0 && get("gradient")) {
        const g = rfGradient(net.layers.slice(0, b), s, unit), top = Math.max(...g.map((r) => Math.max(...r)));
        overlay = cbEl("canvas", {width: s[1], height: s[0], "aria-hidden": "true"});
        const ctx = overlay.getContext("2d"), image = ctx.createImageData(s[1], s[0]);
        g.forEach((r, i) => r.forEach((v, j) => {
          const k = 4 * (i * s[1] + j);
          image.data.set([220, 20, 60, top > 0 ? Math.floor(235 * v / top) : 0], k);
        }));
        ctx.putImageData(image, 0, 0);
      }
      return mapView(title, maps.grey[a], s, m, cells, boxes, a > b, overlay);
    });
    const notes = maps.error ? [cbEl("div", {class: "cb-note", "data-role": "maps", text: maps.error})] : [];
    display.replaceChildren(cbRow(...views), ...notes, ...rfReadout(net, b, unit, get("gradient")).map((line) =>
      cbEl("div", {class: "cb-note", "data-role": "readout", text: line})));
  }
  cbRedrawOn(model, ["preset", "text", "net_text", "layer", "unit", "gradient", "image"], draw);
  draw();
}

export default {render};
