// One unit of a network of the chapter's layers, explained: the input rows and columns it sees
// and the lines about it (convbook.widgets.trained_readout: unit_field, unit_readout), and its
// arithmetic from every layer's values (fwForward): a convolution's kernels, windows and
// partial sums per input channel plus the bias, a pooling window and its winner, a linear
// unit's largest contributions.

const TN_ACTIVATIONS = {relu: ["ReLU", "max(x, 0)"], sigmoid: ["Sigmoid", "1 / (1 + exp(-x))"],
                        tanh: ["Tanh", "tanh(x)"]};

function tnAfterLinear(layers, b) {
  while (b > 0 && TN_ACTIVATIONS[layers[b - 1].kind]) b--;
  return b > 0 && layers[b - 1].kind === "linear";
}

// Input rows and columns [[top, bottom], [left, right]] unit of layer b (1-based) sees.
function tnField(layers, b, unit, input) {
  if (b === 0) return [[unit[1], unit[1]], [unit[2], unit[2]]];
  const l = layers[b - 1];
  if (l.shape.length === 3) {
    const f = cbField(layers.slice(0, b));
    return [0, 1].map((a) => {
      const first = -f.padding[a] + unit[1 + a] * f.stride[a];
      return [first, first + f.size[a] - 1];
    });
  }
  if (tnAfterLinear(layers, b)) return [[0, input[1] - 1], [0, input[2] - 1]];
  if (l.kind === "flatten") {
    const [, h, w] = b > 1 ? layers[b - 2].shape : input, i = unit[0];
    return tnField(layers, b - 1, [Math.floor(i / (h * w)), Math.floor(i / w) % h, i % w], input);
  }
  return tnField(layers, b - 1, unit, input);
}

function tnShape(shape) { return shape.join("\u00d7"); }

function tnReadout(layers, field, b, unit, topTerms, input) {
  const l = layers[b - 1], [c, r, s] = unit;
  const what = l.shape.length === 3 ? `channel ${c}, unit (${r}, ${s})` : `value ${c}`;
  const lines = [`Layer ${b} (${l.name}), ${what}; the layer's output is ${tnShape(l.shape)}.`];
  const [[top, bottom], [left, right]] = field, [, h, w] = input;
  if (tnAfterLinear(layers, b)) {
    lines.push(`Receptive field: the whole input (rows 0..${h - 1}, columns 0..${w - 1}): a ` +
               "linear layer's value depends on every pixel.");
  } else {
    let text = `Receptive field: input rows ${top}..${bottom}, columns ${left}..${right} ` +
               `(${bottom - top + 1}\u00d7${right - left + 1} pixels; the box on the input).`;
    if (top < 0 || left < 0 || bottom > h - 1 || right > w - 1) {
      text += ` Rows or columns outside 0..${h - 1} are zero padding.`;
    }
    lines.push(text);
  }
  const source = b === 1 ? "the input" : `layer ${b - 1}`, k = l.k ? tnShape(l.k) : "";
  if (l.kind === "conv") {
    const n = l.inputs, channels = `${n} channel${n === 1 ? "" : "s"}`;
    const bias = l.bias ? " plus the bias" : " (no bias)";
    lines.push(`Convolution: one ${k} kernel per input channel (${channels} here) times the ` +
               `window of ${source} under it gives a partial sum; the partial sums${bias} give ` +
               "the value.");
  } else if (l.kind === "maxpool") {
    lines.push(`Max pooling: the largest value of the ${k} window of channel ${c} of ${source} ` +
               "(the winner is marked).");
  } else if (l.kind === "avgpool") {
    lines.push(`Average pooling: the mean of the ${k} window of channel ${c} of ${source} ` +
               "(zero padding counts).");
  } else if (TN_ACTIVATIONS[l.kind]) {
    const [name, formula] = TN_ACTIVATIONS[l.kind];
    lines.push(`${name} of the same unit x of ${source}: ${formula}.`);
  } else if (l.kind === "flatten") {
    const [, h0, w0] = b > 1 ? layers[b - 2].shape : input;
    const [q, r0, s0] = [Math.floor(c / (h0 * w0)), Math.floor(c / w0) % h0, c % w0];
    lines.push(`Flatten: the value of channel ${q}, unit (${r0}, ${s0}) of ${source}, as entry ` +
               `${c} of a vector.`);
  } else {
    const m = l.inputs;
    lines.push(`Linear: the ${m} weights times the ${m} values of ${source}, summed, ` +
               `${l.bias ? "plus the bias" : "no bias"}; the ${Math.min(topTerms, m)} largest ` +
               "contributions are listed.");
  }
  return lines;
}

// A convolution unit [o, i, j] from the values x (shape [c, h, w]) before the layer: per input
// channel its kernel, the window under it (null in the padding) and the partial sum.
function tnConvUnit(l, x, [c, h, w], [o, i, j]) {
  const [kh, kw] = l.k, [sh, sw] = l.s, [ph, pw] = l.p, [dh, dw] = l.d, channels = [];
  let total = 0;
  for (let q = 0; q < c; q++) {
    const kernel = [], window = [];
    let partial = 0;
    for (let a = 0; a < kh; a++) {
      const kRow = [], wRow = [], r = i * sh + a * dh - ph;
      for (let e = 0; e < kw; e++) {
        const weight = l.weight[((o * c + q) * kh + a) * kw + e], s = j * sw + e * dw - pw;
        kRow.push(weight);
        if (r < 0 || r >= h || s < 0 || s >= w) { wRow.push(null); continue; }
        const v = x[(q * h + r) * w + s];
        wRow.push(v);
        partial += weight * v;
      }
      kernel.push(kRow); window.push(wRow);
    }
    channels.push({kernel, window, partial});
    total += partial;
  }
  const bias = l.bias ? l.bias[o] : 0;
  return {channels, bias, value: total + bias};
}

// A pooling unit [q, i, j]: its window (null in the padding), the winner [a, e] (max) and value.
function tnPoolUnit(l, x, [c, h, w], [q, i, j]) {
  const [kh, kw] = l.k, [sh, sw] = l.s, [ph, pw] = l.p, [dh, dw] = l.d, window = [];
  let best = -Infinity, winner = null, sum = 0;
  for (let a = 0; a < kh; a++) {
    const row = [];
    for (let e = 0; e < kw; e++) {
      const r = i * sh + a * dh - ph, s = j * sw + e * dw - pw;
      if (r < 0 || r >= h || s < 0 || s >= w) { row.push(null); continue; }
      const v = x[(q * h + r) * w + s];
      row.push(v);
      sum += v;
      if (v > best) { best = v; winner = [a, e]; }
    }
    window.push(row);
  }
  const max = l.kind === "maxpool";
  return {window, winner: max ? winner : null, value: max ? best : sum / (kh * kw)};
}

// A linear unit o: its `top` largest contributions weight x input (by size), the bias, the value.
function tnLinearUnit(l, x, o, top) {
  const m = l.inputs, terms = [];
  let total = 0;
  for (let i = 0; i < m; i++) {
    const weight = l.weight[o * m + i], product = weight * x[i];
    terms.push({index: i, weight, input: x[i], product});
    total += product;
  }
  terms.sort((p, q) => Math.abs(q.product) - Math.abs(p.product) || p.index - q.index);
  const bias = l.bias ? l.bias[o] : 0;
  return {terms: terms.slice(0, top), bias, value: total + bias};
}

// The arithmetic of unit [c, r, s] of layer b, from every layer's values.
function tnUnit(net, values, b, unit) {
  const l = net.layers[b - 1], x = values[b - 1];
  const shape = b > 1 ? net.layers[b - 2].shape : net.input;
  const flat = l.shape.length === 3 ? (unit[0] * l.shape[1] + unit[1]) * l.shape[2] + unit[2]
    : unit[0];
  const base = {kind: l.kind, value: values[b][flat]};
  if (l.kind === "conv") return {...base, ...tnConvUnit(l, x, shape, unit)};
  if (l.kind === "maxpool" || l.kind === "avgpool") {
    return {...base, ...tnPoolUnit(l, x, shape, unit)};
  }
  if (l.kind === "linear") return {...base, ...tnLinearUnit(l, x, unit[0], Infinity)};
  return {...base, input: x[flat]};
}
