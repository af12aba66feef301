// Networks typed as text (the layer language of convbook.netspec), shared by the explorers that
// read it: nsParse reads the text as parse_layers does, nsSheet computes NetworkSheet's rows.
// Counts are BigInt, so every parameter and FLOP count is exact however large. The limits
// (convbook.netspec.LIMITS or SHEET_LIMITS) and the preset menu's entry for typed layers come
// from Python as the explorer's `limits` and `custom` traits.

// Plain ASCII only, as netspec.py: words split on spaces or tabs, layers on ";" or new lines.
const NS_TOKEN = /^(?:([0-9]{1,4})(?:x([0-9]{1,4}))?|([cspd])([0-9]{1,4}))$/;
const NS_FOREIGN = /[^\x20-\x7e\t\n\r]/;
const NS_BLANK = /^[ \t\r]+|[ \t\r]+$/g;
const NS_ACTIVATIONS = ["relu", "sigmoid", "tanh"];
const NS_KINDS = ["conv", "pool", "maxpool", "avgpool", ...NS_ACTIVATIONS, "flatten", "dense"];
const NS_SPATIAL = ["conv", "maxpool", "avgpool"];

function nsBoth(v) { return `${v[0]}` + (v[1] !== v[0] ? `,${v[1]}` : ""); }

// 'conv 5x5 s1 p2 c6', 'maxpool 2x2 s2', 'dense 120', 'relu' (LayerSpec.describe).
function nsDescribe(l, channels = null) {
  if (l.kind === "dense") return `dense ${l.c}`;
  if (!NS_SPATIAL.includes(l.kind)) return l.kind;
  const c = l.c || channels;
  return `${l.kind} ${l.k[0]}x${l.k[1]} s${nsBoth(l.s)}` + (l.p[0] || l.p[1] ? ` p${nsBoth(l.p)}` : "") +
         (l.d[0] !== 1 || l.d[1] !== 1 ? ` d${nsBoth(l.d)}` : "") + (l.kind === "conv" && c ? ` c${c}` : "");
}

// One typed layer as {kind, k, s, p, d, c} or {error} naming it (netspec._read_layer).
function nsLayer(number, part, limits, flat) {
  const where = `layer ${number} ('${part}')`;
  const words = part.toLowerCase().split(/[ \t\r]+/), kind = words[0], options = {};
  let kernel = null, kernelWord = null;
  if (!NS_KINDS.includes(kind)) {
    return {error: `${where}: unknown layer '${kind}'; use conv, pool (max), avgpool, relu, sigmoid, tanh, flatten or dense`};
  }
  if ([...NS_ACTIVATIONS, "flatten"].includes(kind)) {
    return words.length > 1 ? {error: `${where}: ${kind} takes nothing after it`} : {kind};
  }
  if (kind === "dense") {
    if (words.length !== 2 || !/^\d{1,4}$/.test(words[1])) {
      return {error: `${where}: write 'dense N' with N outputs, e.g. 'dense 10'`};
    }
    const units = Number(words[1]);
    if (units < 1 || units > limits.dense) return {error: `${where}: a dense layer has 1..${limits.dense} outputs, got ${units}`};
    return {kind, c: units};
  }
  if (flat) return {error: `${where}: ${kind} cannot follow flatten or dense (their output is a vector, not a map)`};
  for (const word of words.slice(1)) {
    const m = NS_TOKEN.exec(word);
    if (!m) return {error: `${where}: cannot read '${word}'; write e.g. 'conv 3 s2 p1 d1 c8' or 'pool 2'`};
    if (m[1]) {
      if (kernel) return {error: `${where}: two kernel sizes ('${kernelWord}' and '${word}'); give one`};
      kernel = [Number(m[1]), Number(m[2] || m[1])];
      kernelWord = word;
    } else {
      if (m[3] in options) return {error: `${where}: ${m[3]} given twice (${m[3]}${options[m[3]]} and '${word}'); give it once`};
      options[m[3]] = Number(m[4]);
    }
  }
  if (!kernel || Math.min(...kernel) < 1) return {error: `${where}: give a kernel size >= 1, e.g. '${kind} 3'`};
  if (Math.max(...kernel) > limits.kernel) {
    return {error: `${where}: kernel sizes go up to ${limits.kernel}, got ${Math.max(...kernel)}`};
  }
  // PyTorch's default stride: 1 for a convolution, the window (per axis) for pooling
  const strides = "s" in options ? [options.s, options.s] : kind === "conv" ? [1, 1] : kernel;
  const s = options.s ?? 1, p = options.p ?? 0, d = options.d ?? 1;
  if (s < 1) return {error: `${where}: stride must be >= 1, got ${s}`};
  if (d < 1) return {error: `${where}: dilation must be >= 1, got ${d}`};
  for (const [key, name, value] of [["s", "stride", Math.max(...strides)], ["p", "padding", p], ["d", "dilation", d]]) {
    if (value > limits[key]) return {error: `${where}: ${name} goes up to ${limits[key]}, got ${value}`};
  }
  if (kind !== "conv") {
    if ("d" in options) return {error: `${where}: pooling takes no dilation here`};
    if ("c" in options) return {error: `${where}: pooling keeps the channels; cN is for conv`};
    if (2 * p > Math.min(...kernel)) return {error: `${where}: pooling padding must be at most half the window`};
  }
  const c = options.c ?? null;
  if (c !== null && (c < 1 || c > limits.c)) return {error: `${where}: output channels go from 1 to ${limits.c}, got ${c}`};
  return {kind: kind === "pool" ? "maxpool" : kind, k: kernel, s: [...strides], p: [p, p], d: [d, d], c};
}

// The typed layers of text, {layers} or {error} (netspec.parse_layers); never throws.
function nsParse(text, limits) {
  if (typeof text !== "string") return {error: "text must be a string of layers"};
  const foreign = NS_FOREIGN.exec(text);
  if (foreign) {
    const code = foreign[0].codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
    return {error: `text may hold only plain ASCII letters, digits, spaces and ';': character ${foreign.index + 1} is U+${code}`};
  }
  if (text.length > limits.text) return {error: `text may be at most ${limits.text} characters, got ${text.length}`};
  const parts = text.split(/[;\n]/).map((p) => p.replace(NS_BLANK, "")).filter((p) => p);
  if (!parts.length) return {error: "text must list at least one layer, e.g. 'conv 3 p1; pool 2'"};
  if (parts.length > limits.layers) return {error: `text may list at most ${limits.layers} layers, got ${parts.length}`};
  const layers = [];
  for (let number = 1; number <= parts.length; number++) {
    const flat = layers.some((l) => l.kind === "flatten" || l.kind === "dense");
    const layer = nsLayer(number, parts[number - 1], limits, flat);
    if (layer.error) return layer;
    layers.push(layer);
  }
  return {layers};
}

// NetworkSheet's rows for parsed layers and input [C, H, W]: {number, name, l, shape,
// parameters, flops (BigInt), field, jump, error}, and the totals.
function nsSheet(layers, input, channels = 4) {
  const rows = [];
  let shape = input, field = [1, 1], jump = [1, 1], l = 0, error = "";
  const big = (...v) => v.reduce((a, b) => a * BigInt(b), 1n);
  layers.forEach((spec, i) => {
    const number = i + 1, name = nsDescribe(spec, channels);
    if (error) { rows.push({number, name, error: "not computed: a layer above does not fit"}); return; }
    let parameters = 0n, flops = 0n, rowJump = null, rowL = null;
    if (NS_SPATIAL.includes(spec.kind)) {
      rowL = ++l;
      const [c, h, w] = shape, span = [0, 1].map((a) => spec.d[a] * (spec.k[a] - 1) + 1);
      if ([h, w].some((n, a) => n + 2 * spec.p[a] < span[a])) {
        const why = `does not fit: its ${span[0]}x${span[1]} window is larger than the ${h}x${w} map it reads` +
                    (spec.p[0] || spec.p[1] ? ` padded by ${spec.p[0]}` : "");
        error = `layer ${number} (${name}) ${why}`;
        rows.push({number, name, l: rowL, error: why});
        return;
      }
      const out = [0, 1].map((a) => cbOutputSize([h, w][a], spec.k[a], spec.p[a], spec.s[a], spec.d[a]));
      let cOut = c;
      if (spec.kind === "conv") {          // convbook.ops.conv2d_cost: 2 per multiply-add + 1 per bias
        cOut = spec.c || channels;
        parameters = big(cOut, c, spec.k[0], spec.k[1]) + BigInt(cOut);
        flops = 2n * big(cOut, out[0], out[1], c, spec.k[0], spec.k[1]) + big(cOut, out[0], out[1]);
      }
      rowJump = jump;
      field = [0, 1].map((a) => field[a] + (span[a] - 1) * jump[a]);
      jump = [0, 1].map((a) => jump[a] * spec.s[a]);
      shape = [cOut, ...out];
    } else if (spec.kind === "flatten") {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (spec.kind === "dense") {
      const inputs = shape.reduce((a, b) => a * b, 1);
      parameters = big(inputs, spec.c) + BigInt(spec.c);
      flops = 2n * big(inputs, spec.c) + BigInt(spec.c);
      shape = [spec.c];
      field = null;
    }
    rows.push({number, name, l: rowL, shape, parameters, flops, field, jump: rowJump, error: ""});
  });
  const sum = (key) => rows.reduce((a, r) => a + (r[key] ?? 0n), 0n);
  return {rows, error, parameters: sum("parameters"), flops: sum("flops")};
}

// 1234567n -> "1,234,567" (Python's f"{n:,}").
function nsCount(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
