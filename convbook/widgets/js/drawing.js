// The trained-network explorer's input canvas, as convbook.drawing has it: a grey image of
// 256 levels (Uint8Array, value / 255 in [0, 1]) edited by a brush, shifts, inversion and
// rotation, and the input the network reads (noise added, clipped to [0, 1]).

const TN_PEN = 255, TN_RIM = 128;     // convbook.drawing.PEN, RIM

function tnBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}

function tnPaint(canvas, h, w, cells, erase) {
  const out = Uint8Array.from(canvas);
  for (const [r, c] of cells) {
    for (const [dr, dc] of [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const y = r + dr, x = c + dc;
      if (y < 0 || y >= h || x < 0 || x >= w) continue;
      const k = y * w + x;
      out[k] = erase ? 0 : (dr === 0 && dc === 0 ? TN_PEN : Math.max(out[k], TN_RIM));
    }
  }
  return out;
}

function tnShift(canvas, h, w, dy, dx) {
  const out = new Uint8Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
    const y = r - dy, x = c - dx;
    if (y >= 0 && y < h && x >= 0 && x < w) out[r * w + c] = canvas[y * w + x];
  }
  return out;
}

function tnInvert(canvas) { return canvas.map((v) => 255 - v); }

// 90 degrees counter-clockwise, as torch.rot90(x, 1, (0, 1)): out[i][j] = x[j][w - 1 - i].
function tnRotate(canvas, h, w) {
  const out = new Uint8Array(h * w);
  for (let i = 0; i < w; i++) {
    for (let j = 0; j < h; j++) out[i * h + j] = canvas[j * w + (w - 1 - i)];
  }
  return out;
}

// What the network reads: canvas / 255 + (level / levels) * pattern, clipped to [0, 1].
function tnInput(canvas, level, pattern, levels) {
  const out = new Float64Array(canvas.length), scale = level / levels;
  for (let i = 0; i < canvas.length; i++) {
    out[i] = Math.min(1, Math.max(0, canvas[i] / 255 + scale * pattern[i]));
  }
  return out;
}

// The cells from one pointer position to the next (both included).
function tnLine([r0, c0], [r1, c1]) {
  const n = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0)), cells = [];
  for (let t = 0; t <= n; t++) {
    const f = t / (n || 1);
    cells.push([Math.round(r0 + (r1 - r0) * f), Math.round(c0 + (c1 - c0) * f)]);
  }
  return cells;
}

