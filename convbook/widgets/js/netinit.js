// The weights of a network typed as text, made in the page bit for bit as
// convbook.netspec.layers_from_text makes them (its docstring states the rule), so a page with
// no kernel runs the same network: parameter i of typed layer n (from 1; weight first, then
// bias, row-major) is fround((2 u - 1) / sqrt(fan_in)), u = niHash(n, i) / 2**32.
// Needs netspec.js (the parsed layers) and base.js (cbOutputSize).

// lowbias32: xor-shift and multiply, wrapping mod 2**32 (numpy's uint32 arithmetic in Python).
function niMix(x) {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

// convbook.netspec.portable_hash: mix(index ^ mix(layer * 0x9E3779B9)), a uint32.
function niHash(layer, index) { return niMix((index ^ niMix(Math.imul(layer, 0x9e3779b9))) >>> 0); }

// convbook.netspec.portable_uniform: `count` float32 values in [-bound, bound), bound =
// 1 / sqrt(fanIn), computed in float64 and rounded once (the Float32Array stores fround).
function niUniform(layer, count, fanIn) {
  const out = new Float32Array(count), key = niMix(Math.imul(layer, 0x9e3779b9)), bound = 1 / Math.sqrt(fanIn);
  for (let i = 0; i < count; i++) out[i] = (2 * (niMix((i ^ key) >>> 0) / 4294967296) - 1) * bound;
  return out;
}

// The first `count` typed layers of nsParse's `layers` as fwForward's network (forward.js),
// weights made here: {input, layers: [{kind, shape, k, s, p, d, weight, bias, inputs}]}.
// A dense layer gets a flatten in front when none came before, as layers_from_text does.
function niNetwork(layers, input, channels = 4, count = layers.length) {
  const out = [];
  let shape = input;
  const withWeights = (number, record, weights, outputs) => {
    const values = niUniform(number, weights + outputs, weights / outputs);
    return {...record, weight: values.subarray(0, weights), bias: values.subarray(weights)};
  };
  layers.slice(0, count).forEach((l, i) => {
    const number = i + 1;
    if (l.kind === "flatten" || (l.kind === "dense" && !out.some((o) => o.kind === "flatten" || o.kind === "linear"))) {
      shape = [shape.reduce((a, b) => a * b, 1)];
      out.push({kind: "flatten", shape});
      if (l.kind === "flatten") return;
    }
    if (l.kind === "dense") {
      const inputs = shape[0];
      shape = [l.c];
      out.push(withWeights(number, {kind: "linear", shape, inputs}, inputs * l.c, l.c));
    } else if (NS_SPATIAL.includes(l.kind)) {
      const size = [0, 1].map((a) => cbOutputSize(shape[1 + a], l.k[a], l.p[a], l.s[a], l.d[a]));
      const window = {k: l.k, s: l.s, p: l.p, d: l.d};
      if (l.kind === "conv") {
        const c = l.c || channels, inputs = shape[0];
        shape = [c, ...size];
        out.push(withWeights(number, {kind: "conv", shape, inputs, ...window}, c * inputs * l.k[0] * l.k[1], c));
      } else {
        shape = [shape[0], ...size];
        out.push({kind: l.kind, shape, ...window});
      }
    } else {
      out.push({kind: l.kind, shape});
    }
  });
  return {input, layers: out};
}
