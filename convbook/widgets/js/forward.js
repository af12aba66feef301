// The forward pass of a network of the chapter's layers, in the page (no kernel): the network
// is convbook.network_export.export_network's JSON ({input: [c, h, w], layers: [{kind, shape,
// k, s, p, d, weight, bias, inputs}]}, weights as base64 float32). Values are computed in
// float64 from the float32 weights; PyTorch's float32 pass agrees within float32 rounding.

// Base64 of bytes (convbook.network_export.encode_bytes) as a Uint8Array.
function fwBytes(text) { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); }

// Base64 of little-endian float32 (convbook.network_export.encode_floats) as a Float32Array.
function fwFloats(text) {
  const bytes = fwBytes(text);
  const view = new DataView(bytes.buffer), out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

// The exported network with its weights decoded once (decoding is the slow part).
function fwNetwork(spec) {
  return {...spec, layers: spec.layers.map((l) => ({...l,
    weight: l.weight ? fwFloats(l.weight) : null, bias: l.bias ? fwFloats(l.bias) : null}))};
}

// Cross-correlation of x (c_in x h x w) with the layer's kernels, zero padding, stride and
// dilation: out[o][i][j] = bias[o] + sum over c, a, b of W[o][c][a][b] x[c][i s + a d - p][...].
function fwConv(l, x, [c, h, w]) {
  const [co, oh, ow] = l.shape, [kh, kw] = l.k, [sh, sw] = l.s, [ph, pw] = l.p, [dh, dw] = l.d;
  const out = new Float64Array(co * oh * ow);
  for (let o = 0; o < co; o++) {
    const b = l.bias ? l.bias[o] : 0;
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let sum = 0;
      for (let q = 0; q < c; q++) for (let a = 0; a < kh; a++) {
        const r = i * sh + a * dh - ph;
        if (r < 0 || r >= h) continue;
        const wRow = ((o * c + q) * kh + a) * kw, xRow = (q * h + r) * w;
        for (let e = 0; e < kw; e++) {
          const s = j * sw + e * dw - pw;
          if (s >= 0 && s < w) sum += l.weight[wRow + e] * x[xRow + s];
        }
      }
      out[(o * oh + i) * ow + j] = sum + b;
    }
  }
  return out;
}

// Max or average pooling per channel; padding counts as -inf for max and 0 for the average
// (which divides by the whole window, as PyTorch's count_include_pad does).
function fwPool(l, x, [c, h, w]) {
  const [, oh, ow] = l.shape, [kh, kw] = l.k, [sh, sw] = l.s, [ph, pw] = l.p, [dh, dw] = l.d;
  const max = l.kind === "maxpool", out = new Float64Array(c * oh * ow);
  for (let q = 0; q < c; q++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let acc = max ? -Infinity : 0;
    for (let a = 0; a < kh; a++) for (let e = 0; e < kw; e++) {
      const r = i * sh + a * dh - ph, s = j * sw + e * dw - pw;
      if (r < 0 || r >= h || s < 0 || s >= w) continue;
      const v = x[(q * h + r) * w + s];
      acc = max ? Math.max(acc, v) : acc + v;
    }
    out[(q * oh + i) * ow + j] = max ? acc : acc / (kh * kw);
  }
  return out;
}

function fwLinear(l, x) {
  const n = l.shape[0], m = l.inputs, out = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    let sum = l.bias ? l.bias[o] : 0;
    for (let i = 0; i < m; i++) sum += l.weight[o * m + i] * x[i];
    out[o] = sum;
  }
  return out;
}

const FW_ACTIVATIONS = {
  relu: (v) => (v > 0 ? v : 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
};

// One layer: the values after it (Float64Array), from the values x of shape `shape` before it.
function fwLayer(l, x, shape) {
  if (l.kind === "conv") return fwConv(l, x, shape);
  if (l.kind === "maxpool" || l.kind === "avgpool") return fwPool(l, x, shape);
  if (l.kind === "linear") return fwLinear(l, x);
  if (l.kind === "flatten") return x;
  const f = FW_ACTIVATIONS[l.kind];
  if (!f) throw new Error(`unknown layer kind ${l.kind}`);
  return x.map(f);
}

// Every layer's values for one input (c*h*w numbers, channel-major): [input, layer 1, ...].
function fwForward(net, input) {
  const values = [Float64Array.from(input)];
  let shape = net.input;
  for (const l of net.layers) {
    values.push(fwLayer(l, values[values.length - 1], shape));
    shape = l.shape;
  }
  return values;
}

// Softmax of the logits, computed stably (the largest logit subtracted first).
function fwSoftmax(logits) {
  const top = Math.max(...logits), e = Array.from(logits, (v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
