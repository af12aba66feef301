// The network sheet (sections 04 and 08): type layers once and an input C x H x W; read per
// layer the output shape, parameters, FLOPs, receptive field r_l and input jump J_l, any error
// in its row, and the totals. State: presets ({name: {text, input}}), preset, text (the layers
// box, as typed), net_text (the network in use), input_text (the input box, as typed),
// input_shape (in use), custom, limits, header, message. Everything is recomputed here as
// convbook.netspec.NetworkSheet does in Python.

const NS_HEADER_TITLES = ["typed layer number", "layer as read", "section 04's number l (conv and pooling only)",
  "output shape", "weights and biases", "2 per multiply-add + 1 per bias, per example",
  "receptive field of an output unit, in input pixels", "jump: input pixels between neighbouring units of the map layer l reads"];

function nsPair(v) { return v.join("\u00d7"); }

// The input box: "3x224x224" (x, \u00d7, commas or spaces between) -> {value: [C, H, W]} or {error}.
function nsInput(text, limits) {
  const m = /^\s*(\d{1,5})\s*[x\u00d7,\s]\s*(\d{1,5})\s*[x\u00d7,\s]\s*(\d{1,5})\s*$/i.exec(text);
  if (!m) return {error: "input: type channels x height x width, e.g. 1x28x28 or 3x224x224"};
  const [c, h, w] = [m[1], m[2], m[3]].map(Number);
  if (c < 1 || h < 1 || w < 1) return {error: "input: channels, height and width must be >= 1"};
  if (c > limits.c) return {error: `input_shape channels go up to ${limits.c}, got ${c}`};
  if (Math.max(h, w) > limits.side) {
    return {error: `input_shape height/width go up to ${limits.side}, got ${h}x${w}`};
  }
  return {value: [c, h, w]};
}

// The table as cells (NetworkSheetExplorer.cells): header, input, one row per layer, total.
function nsCells(sheet, input, header) {
  const rows = [header, ["0", "input", "", nsPair(input), "", "", "1\u00d71", ""]];
  for (const r of sheet.rows) {
    const head = [String(r.number), r.name, r.l === null || r.l === undefined ? "" : String(r.l)];
    if (r.error) { rows.push([...head, r.error]); continue; }
    rows.push([...head, nsPair(r.shape), nsCount(r.parameters), nsCount(r.flops),
               r.field ? nsPair(r.field) : "all", r.jump ? nsPair(r.jump) : ""]);
  }
  rows.push(["", sheet.error ? "total (rows that fit)" : "total", "", "", nsCount(sheet.parameters),
             nsCount(sheet.flops), "", ""]);
  return rows;
}

function render({model, el}) {
  const root = cbRoot(el, "network sheet");
  const get = (key) => model.get(key);
  const save = cbSaver(model);
  // Use the typed layers and input: refused (state and typed text kept) when either is junk.
  const use = (text, inputText, preset) => {
    const parsed = nsParse(text, get("limits")), shape = nsInput(inputText, get("limits"));
    const error = parsed.error || shape.error;
    if (error) return save({text, input_text: inputText, message: `Cannot use these layers: ${error}. Showing the previous sheet.`});
    save({text, input_text: inputText, preset, net_text: text, input_shape: shape.value, message: ""});
  };
  const presetMenu = cbEl("select", {"aria-label": "network"});
  const custom = get("custom");
  for (const name of [...Object.keys(get("presets")), custom]) presetMenu.append(cbEl("option", {value: name, text: name}));
  presetMenu.addEventListener("change", () => {
    const p = get("presets")[presetMenu.value];
    if (p) use(p.text, p.input.join("x"), presetMenu.value);
    else save({preset: custom});
  });
  const layers = cbEl("textarea", {spellcheck: "false", "aria-label": "layers", rows: "4"});
  const input = cbEl("input", {type: "text", spellcheck: "false", "aria-label": "input channels x height x width",
                               style: "width:9em"});
  const layersTyped = cbTyped(layers), inputTyped = cbTyped(input);
  const apply = cbEl("button", {type: "button", text: "update the sheet"});
  apply.addEventListener("click", () => use(layers.value, input.value, custom));
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") use(layers.value, input.value, custom); });
  layers.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) use(layers.value, input.value, custom);
  });
  const error = cbEl("div", {class: "cb-error", role: "alert"});
  const display = cbEl("div", {"aria-live": "polite"});
  root.append(
    cbEl("div", {class: "cb-controls"}, [cbEl("label", {}, [cbEl("span", {text: "network"}), presetMenu]),
                                          cbEl("label", {}, [cbEl("span", {text: "input C\u00d7H\u00d7W"}), input, inputTyped.mark])]),
    cbEl("label", {style: "display:block;margin:4px 0"}, [cbEl("span", {text: "layers (one per line or separated by ;)",
                                                                       style: "display:block"}), layers, layersTyped.mark]),
    cbEl("div", {class: "cb-controls"}, [apply]),
    cbEl("div", {class: "cb-note", text: "e.g. conv 5 p2 c6; sigmoid; avgpool 2; dense 10 (s stride, p padding, " +
                                         "d dilation, c output channels; also pool, relu, tanh, flatten). " +
                                         "Ctrl+Enter in the layers box updates the sheet."}),
    error, display);

  function draw() {
    const shape = get("input_shape"), typed = nsParse(get("net_text"), get("limits")).layers;
    const sheet = nsSheet(typed, shape);
    presetMenu.value = get("preset");
    layersTyped.sync(get("text"));
    inputTyped.sync(get("input_text"));
    error.textContent = get("message");
    const cells = nsCells(sheet, shape, get("header"));
    const table = cbEl("table", {class: "cb-grid ns-sheet", "data-matrix": "sheet"});
    table.append(cbEl("caption", {text: "one row per typed layer"}));
    const head = cbEl("thead"), body = cbEl("tbody");
    head.append(cbEl("tr", {}, cells[0].map((text, i) => cbEl("th", {scope: "col", title: NS_HEADER_TITLES[i], text}))));
    cells.slice(1).forEach((row, i) => {
      const total = i === cells.length - 2;
      const tr = cbEl("tr", total ? {class: "ns-total"} : {});
      row.forEach((text, j) => tr.append(cbEl("td", j === 3 && row.length === 4 ?
        {class: "ns-error", colspan: "5", text} : {text})));
      body.append(tr);
    });
    table.append(head, body);
    const lines = [`Total: ${nsCount(sheet.parameters)} parameters, ${nsCount(sheet.flops)} FLOPs per example` +
                   (sheet.error ? " (the rows that fit)." : ".")];
    const last = [...sheet.rows].reverse().find((r) => r.l && !r.error);
    if (last) {
      lines.push(`A unit of the last conv/pool layer (l = ${last.l}) sees ${nsPair(last.field)} input pixels.`);
    }
    // A conv typed without cN gets the sheet's default number of output channels: say so.
    const defaulted = sheet.rows.filter((r, i) => typed[i].kind === "conv" && !typed[i].c && !r.error);
    const channels = defaulted.map((r) => cbEl("div", {class: "cb-note", "data-role": "channels",
      text: `Layer ${r.number} has no cN, so it gets the default ${r.shape[0]} output channels ` +
            `(type c${r.shape[0]} or another count to choose).`}));
    display.replaceChildren(cbEl("div", {class: "cb-scroll"}, [table]),
      ...lines.map((text) => cbEl("div", {class: "cb-note", "data-role": "summary", text})), ...channels);
  }
  cbRedrawOn(model, ["preset", "text", "net_text", "input_text", "input_shape"], draw);
  draw();
}

export default {render};
