#!/usr/bin/env python3
"""Writes the neural engine's op reference fixtures: Tests/FacetNeuralTests/Fixtures/ops/<op>.json.

Every op is implemented here independently, with direct loops or plain numpy formulas written from
the definitions in PyTorch's documentation and pirender/SPEC.md sections 2 and 10 (not from any
engine code), evaluated in float64 on float32 inputs. numpy is the only dependency; the fixtures
are committed, so building and testing the project needs no Python.

    python3 scripts/make-op-fixtures.py        # rewrites every file; the output is deterministic
    python3 scripts/make-op-fixtures.py --check-golden [../shared]
        # composes the references into PIRender sub-graphs and compares them with the PyTorch
        # outputs in pirender/golden/small_seed1.*.safetensors (all 15 ops; worst error 3.6e-6)

File format (one file per op, UTF-8 JSON):

    {
      "op": "conv2d",
      "reference": "numpy direct loops, scripts/make-op-fixtures.py",
      "definition": "<the formula implemented, one line>",
      "cases": [
        {
          "name": "k3_p1_batch2",
          "params": {"stride": 1, "padding": 1, "dilation": 1},
          "inputs": {"x": {"shape": [2, 5, 8, 7], "values": [...]},
                     "weight": {"shape": [...], "values": [...]},
                     "bias": {"shape": [...], "values": [...]}},
          "expected": {"shape": [...], "values": [...]}
        }
      ]
    }

* Tensors are row-major (C order) with NCHW / NCL layouts; `values` has prod(shape) numbers.
* Input values are float32 numbers printed with 9 significant digits, so they parse back to the
  exact float32 the reference used. Expected values are the float64 results rounded to 9
  significant digits (so outputs that are exactly float32, like relu's or concat's, parse back exactly). Compare a float32 engine by max abs error relative to max(1, max |expected|).
* Parameter names are PyTorch's: stride, padding, dilation, output_padding, eps, negative_slope,
  align_corners, scale_factor, size, kernel_size, dim, mode, padding_mode.
* Weight layouts are the state_dict ones: conv1d (out, in, k), conv2d (out, in, kh, kw),
  conv_transpose2d (in, out, kh, kw), linear (out, in), layer_norm2d weight/bias (C, 1, 1).
* A missing `bias` input means the op runs without bias.
* concat: the inputs are named x0, x1, ... in concatenation order.
* adain: inputs x (N, C, H, W), gamma (N, C), beta (N, C); out = instance_norm(x) * (1 + gamma) + beta.
* grid_sample: inputs x (N, C, H, W) and grid (N, Hout, Wout, 2), last dim (x, y) in [-1, 1] space.
"""

import json
import math
import os

import numpy as np

SEED = 20211011  # fixed: regenerating gives identical files
REFERENCE = "numpy direct loops, scripts/make-op-fixtures.py"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "FacetNeuralTests", "Fixtures", "ops")

rng = np.random.default_rng(SEED)


# ---------------------------------------------------------------------------------------------
# Encoding

def f32(array):
    """Rounds to float32 and returns float64, so the reference computes on exactly what is stored."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def random(*shape, scale=1.0, offset=0.0):
    return f32(rng.standard_normal(shape) * scale + offset)


def tensor_input(array):
    array = np.asarray(array, dtype=np.float64)
    return {"shape": list(array.shape), "values": [float("%.9g" % v) for v in array.ravel()]}


def tensor_expected(array):
    array = np.asarray(array, dtype=np.float64)
    return {"shape": list(array.shape), "values": [float("%.9g" % v) for v in array.ravel()]}


def case(name, params, inputs, expected):
    return {"name": name, "params": params,
            "inputs": {key: tensor_input(value) for key, value in inputs.items()},
            "expected": tensor_expected(expected)}


def write(op, definition, cases):
    os.makedirs(OUTPUT, exist_ok=True)
    path = os.path.join(OUTPUT, op + ".json")
    document = {"op": op, "reference": REFERENCE, "definition": definition, "cases": cases}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"))
        handle.write("\n")
    size = os.path.getsize(path)
    assert size < 300_000, f"{path} is {size} bytes; keep fixtures under 300 KB"
    print(f"{op:20s} {len(cases):2d} cases {size:7d} bytes")


# ---------------------------------------------------------------------------------------------
# Reference ops (float64, direct loops)

def conv1d(x, weight, bias, stride=1, padding=0, dilation=1):
    # out[n, o, t] = bias[o] + sum_c sum_k weight[o, c, k] * xpad[n, c, t*stride + k*dilation]
    n_batch, channels, length = x.shape
    out_channels, _, kernel = weight.shape
    out_length = (length + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    out = np.zeros((n_batch, out_channels, out_length))
    for n in range(n_batch):
        for o in range(out_channels):
            for t in range(out_length):
                total = bias[o] if bias is not None else 0.0
                for c in range(channels):
                    for k in range(kernel):
                        source = t * stride + k * dilation - padding
                        if 0 <= source < length:
                            total += weight[o, c, k] * x[n, c, source]
                out[n, o, t] = total
    return out


def conv2d(x, weight, bias, stride=1, padding=0, dilation=1):
    # out[n, o, y, x] = bias[o] + sum_{c,i,j} weight[o, c, i, j] * xpad[n, c, y*s + i*d, x*s + j*d]
    n_batch, channels, height, width = x.shape
    out_channels, _, kernel_h, kernel_w = weight.shape
    out_h = (height + 2 * padding - dilation * (kernel_h - 1) - 1) // stride + 1
    out_w = (width + 2 * padding - dilation * (kernel_w - 1) - 1) // stride + 1
    out = np.zeros((n_batch, out_channels, out_h, out_w))
    for n in range(n_batch):
        for o in range(out_channels):
            for oy in range(out_h):
                for ox in range(out_w):
                    total = bias[o] if bias is not None else 0.0
                    for c in range(channels):
                        for i in range(kernel_h):
                            sy = oy * stride + i * dilation - padding
                            if not 0 <= sy < height:
                                continue
                            for j in range(kernel_w):
                                sx = ox * stride + j * dilation - padding
                                if 0 <= sx < width:
                                    total += weight[o, c, i, j] * x[n, c, sy, sx]
                    out[n, o, oy, ox] = total
    return out


def conv_transpose2d(x, weight, bias, stride=1, padding=0, output_padding=0, dilation=1):
    # Scatter form: in[n, c, i, j] * weight[c, o, kh, kw] lands at (i*s - p + kh*d, j*s - p + kw*d);
    # out size (H - 1)*s - 2p + d*(k - 1) + output_padding + 1. Landings outside are dropped.
    n_batch, channels, height, width = x.shape
    _, out_channels, kernel_h, kernel_w = weight.shape
    out_h = (height - 1) * stride - 2 * padding + dilation * (kernel_h - 1) + output_padding + 1
    out_w = (width - 1) * stride - 2 * padding + dilation * (kernel_w - 1) + output_padding + 1
    out = np.zeros((n_batch, out_channels, out_h, out_w))
    for n in range(n_batch):
        for c in range(channels):
            for i in range(height):
                for j in range(width):
                    for kh in range(kernel_h):
                        oy = i * stride - padding + kh * dilation
                        if not 0 <= oy < out_h:
                            continue
                        for kw in range(kernel_w):
                            ox = j * stride - padding + kw * dilation
                            if 0 <= ox < out_w:
                                for o in range(out_channels):
                                    out[n, o, oy, ox] += x[n, c, i, j] * weight[c, o, kh, kw]
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


def linear(x, weight, bias):
    # y[n, o] = sum_i weight[o, i] * x[n, i] + bias[o]
    out = np.zeros((x.shape[0], weight.shape[0]))
    for n in range(x.shape[0]):
        for o in range(weight.shape[0]):
            out[n, o] = sum(weight[o, i] * x[n, i] for i in range(x.shape[1])) + (bias[o] if bias is not None else 0.0)
    return out


def layer_norm2d(x, weight, bias, eps):
    # One mean and biased variance per sample over C*H*W jointly; affine per channel.
    out = np.zeros_like(x)
    for n in range(x.shape[0]):
        values = x[n].ravel()
        mean = math.fsum(values) / values.size
        variance = math.fsum((v - mean) ** 2 for v in values) / values.size
        for c in range(x.shape[1]):
            out[n, c] = (x[n, c] - mean) / math.sqrt(variance + eps) * weight[c, 0, 0] + bias[c, 0, 0]
    return out


def instance_norm2d(x, eps):
    # Per sample and channel over H*W, biased variance, no affine.
    out = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            values = x[n, c].ravel()
            mean = math.fsum(values) / values.size
            variance = math.fsum((v - mean) ** 2 for v in values) / values.size
            out[n, c] = (x[n, c] - mean) / math.sqrt(variance + eps)
    return out


def adain(x, gamma, beta, eps):
    # SPEC 2.4 step 4: out = n * (1 + gamma[c]) + beta[c], n = instance_norm(x).
    normalised = instance_norm2d(x, eps)
    out = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[n, c] = normalised[n, c] * (1.0 + gamma[n, c]) + beta[n, c]
    return out


def leaky_relu(x, negative_slope):
    return np.where(x >= 0, x, x * negative_slope)


def avg_pool2d(x, kernel_size, stride):
    # Mean of each kernel_size x kernel_size window; no padding, floor mode (a trailing odd row/column is dropped).
    n_batch, channels, height, width = x.shape
    out_h = (height - kernel_size) // stride + 1
    out_w = (width - kernel_size) // stride + 1
    out = np.zeros((n_batch, channels, out_h, out_w))
    for n in range(n_batch):
        for c in range(channels):
            for oy in range(out_h):
                for ox in range(out_w):
                    window = x[n, c, oy * stride:oy * stride + kernel_size, ox * stride:ox * stride + kernel_size]
                    out[n, c, oy, ox] = math.fsum(window.ravel()) / (kernel_size * kernel_size)
    return out


def upsample_nearest2d(x, scale_factor):
    # out[y, x] = in[floor(y / s), floor(x / s)]
    n_batch, channels, height, width = x.shape
    out = np.zeros((n_batch, channels, height * scale_factor, width * scale_factor))
    for oy in range(height * scale_factor):
        for ox in range(width * scale_factor):
            out[:, :, oy, ox] = x[:, :, oy // scale_factor, ox // scale_factor]
    return out


def bilinear_source(index, in_size, out_size):
    # align_corners=False: s = (d + 0.5) * in/out - 0.5, clamped below at 0; i1 = min(i0 + 1, in - 1).
    s = max((index + 0.5) * in_size / out_size - 0.5, 0.0)
    i0 = int(math.floor(s))
    i1 = min(i0 + 1, in_size - 1)
    return i0, i1, s - i0


def resize_bilinear(x, size):
    n_batch, channels, height, width = x.shape
    out_h, out_w = size
    out = np.zeros((n_batch, channels, out_h, out_w))
    for oy in range(out_h):
        y0, y1, ly = bilinear_source(oy, height, out_h)
        for ox in range(out_w):
            x0, x1, lx = bilinear_source(ox, width, out_w)
            out[:, :, oy, ox] = ((1 - ly) * ((1 - lx) * x[:, :, y0, x0] + lx * x[:, :, y0, x1])
                                 + ly * ((1 - lx) * x[:, :, y1, x0] + lx * x[:, :, y1, x1]))
    return out


def grid_sample(x, grid):
    # bilinear, padding_mode zeros, align_corners False: px = ((gx + 1) * W - 1) / 2; corners outside add 0.
    n_batch, channels, height, width = x.shape
    _, out_h, out_w, _ = grid.shape
    out = np.zeros((n_batch, channels, out_h, out_w))
    for n in range(n_batch):
        for oy in range(out_h):
            for ox in range(out_w):
                px = ((grid[n, oy, ox, 0] + 1) * width - 1) / 2
                py = ((grid[n, oy, ox, 1] + 1) * height - 1) / 2
                x0, y0 = int(math.floor(px)), int(math.floor(py))
                for sy, wy in ((y0, 1 - (py - y0)), (y0 + 1, py - y0)):
                    for sx, wx in ((x0, 1 - (px - x0)), (x0 + 1, px - x0)):
                        if 0 <= sy < height and 0 <= sx < width:
                            out[n, :, oy, ox] += wy * wx * x[n, :, sy, sx]
    return out


# ---------------------------------------------------------------------------------------------
# Cases

def make_conv1d():
    cases = []
    for dilation in (1, 2, 3):
        x, w, b = random(1, 4, 11), random(3, 4, 3, scale=0.3), random(3, scale=0.1)
        params = {"stride": 1, "padding": dilation, "dilation": dilation}
        cases.append(case(f"k3_d{dilation}_p{dilation}", params, {"x": x, "weight": w, "bias": b}, conv1d(x, w, b, 1, dilation, dilation)))
    x, w = random(2, 5, 9), random(2, 5, 3, scale=0.3)
    cases.append(case("k3_d2_p2_no_bias_batch2", {"stride": 1, "padding": 2, "dilation": 2}, {"x": x, "weight": w}, conv1d(x, w, None, 1, 2, 2)))
    x, w, b = random(1, 6, 13), random(4, 6, 7, scale=0.2), random(4, scale=0.1)
    cases.append(case("k7_p0_mapping_first", {"stride": 1, "padding": 0, "dilation": 1}, {"x": x, "weight": w, "bias": b}, conv1d(x, w, b, 1, 0, 1)))
    x, w, b = random(1, 4, 12), random(4, 4, 3, scale=0.3), random(4, scale=0.1)
    cases.append(case("k3_d3_p0_mapping_encoder", {"stride": 1, "padding": 0, "dilation": 3}, {"x": x, "weight": w, "bias": b}, conv1d(x, w, b, 1, 0, 3)))
    write("conv1d", "out[n,o,t] = bias[o] + sum_c,k weight[o,c,k] * x[n,c,t*stride + k*dilation - padding] (zero outside)", cases)


def make_conv2d():
    specs = [  # name, batch, in, out, H, W, k, stride, padding, bias
        ("k7_p3", 1, 3, 4, 9, 11, 7, 1, 3, True),
        ("k3_p1_batch2", 2, 5, 6, 8, 7, 3, 1, 1, True),
        ("k4_s2_p1", 1, 4, 5, 8, 10, 4, 2, 1, True),
        ("k4_s2_p1_odd_size", 1, 2, 3, 7, 9, 4, 2, 1, True),
        ("k1", 1, 6, 3, 5, 4, 1, 1, 0, True),
        ("k1_batch2", 2, 3, 2, 3, 6, 1, 1, 0, True),
        ("k3_p1_no_bias", 1, 3, 3, 6, 5, 3, 1, 1, False),
        ("k3_p1_single_channel", 1, 1, 1, 4, 4, 3, 1, 1, True),
    ]
    cases = []
    for name, batch, cin, cout, height, width, kernel, stride, padding, has_bias in specs:
        x = random(batch, cin, height, width)
        w = random(cout, cin, kernel, kernel, scale=1.0 / math.sqrt(cin * kernel * kernel))
        b = random(cout, scale=0.1) if has_bias else None
        inputs = {"x": x, "weight": w} | ({"bias": b} if has_bias else {})
        cases.append(case(name, {"stride": stride, "padding": padding, "dilation": 1}, inputs, conv2d(x, w, b, stride, padding)))
    write("conv2d", "out[n,o,y,x] = bias[o] + sum_c,i,j weight[o,c,i,j] * x[n,c,y*stride+i*dilation-padding, x*stride+j*dilation-padding] (zero outside)", cases)


def make_conv_transpose2d():
    specs = [  # name, batch, in, out, H, W, k, stride, padding, output_padding, bias
        ("k3_s2_p1_op1", 1, 4, 3, 5, 6, 3, 2, 1, 1, True),
        ("k3_s2_p1_op1_batch2", 2, 3, 5, 4, 4, 3, 2, 1, 1, True),
        ("k3_s2_p1_op1_no_bias", 1, 2, 2, 3, 5, 3, 2, 1, 1, False),
        ("k3_s1_p1", 1, 3, 2, 4, 5, 3, 1, 1, 0, True),
    ]
    cases = []
    for name, batch, cin, cout, height, width, kernel, stride, padding, output_padding, has_bias in specs:
        x = random(batch, cin, height, width)
        w = random(cin, cout, kernel, kernel, scale=1.0 / math.sqrt(cin * kernel * kernel))
        b = random(cout, scale=0.1) if has_bias else None
        inputs = {"x": x, "weight": w} | ({"bias": b} if has_bias else {})
        params = {"stride": stride, "padding": padding, "output_padding": output_padding, "dilation": 1}
        cases.append(case(name, params, inputs, conv_transpose2d(x, w, b, stride, padding, output_padding)))
    write("conv_transpose2d", "x[n,c,i,j] * weight[c,o,kh,kw] adds to out[n,o,i*stride-padding+kh, j*stride-padding+kw]; out = (H-1)*stride - 2*padding + k + output_padding; plus bias[o]", cases)


def make_linear():
    cases = []
    for name, batch, cin, cout, has_bias in (("in7_out5", 1, 7, 5, True), ("in4_out3_batch2", 2, 4, 3, True), ("no_bias", 1, 5, 2, False)):
        x, w = random(batch, cin), random(cout, cin, scale=0.4)
        b = random(cout, scale=0.1) if has_bias else None
        inputs = {"x": x, "weight": w} | ({"bias": b} if has_bias else {})
        cases.append(case(name, {}, inputs, linear(x, w, b)))
    write("linear", "y[n,o] = sum_i weight[o,i] * x[n,i] + bias[o]", cases)


def make_layer_norm2d():
    cases = []
    for name, shape, offset in (("c4_5x6", (1, 4, 5, 6), 0.0), ("c3_4x4_batch2", (2, 3, 4, 4), 0.0), ("c2_6x5_large_mean", (1, 2, 6, 5), 100.0)):
        x = random(*shape, scale=2.0, offset=offset)
        w, b = 1 + random(shape[1], 1, 1, scale=0.2), random(shape[1], 1, 1, scale=0.2)
        cases.append(case(name, {"eps": 1e-5}, {"x": x, "weight": w, "bias": b}, layer_norm2d(x, w, b, 1e-5)))
    write("layer_norm2d", "per sample: mean and biased variance over C*H*W jointly; y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c], weight/bias (C,1,1)", cases)


def make_instance_norm2d():
    cases = []
    for name, shape, offset in (("c3_5x5", (1, 3, 5, 5), 0.0), ("c4_6x7_batch2", (2, 4, 6, 7), 0.0), ("c2_4x4_large_mean", (1, 2, 4, 4), 50.0)):
        x = random(*shape, scale=1.5, offset=offset)
        cases.append(case(name, {"eps": 1e-5}, {"x": x}, instance_norm2d(x, 1e-5)))
    # A constant channel: variance 0, the output is 0 (eps keeps it finite).
    x = f32(np.concatenate([np.full((1, 1, 3, 3), 0.75), rng.standard_normal((1, 1, 3, 3))], axis=1))
    cases.append(case("constant_channel", {"eps": 1e-5}, {"x": x}, instance_norm2d(x, 1e-5)))
    write("instance_norm2d", "per sample and channel over H*W: y = (x - mean) / sqrt(biased var + eps); no affine", cases)


def make_adain():
    cases = []
    for name, shape in (("c3_5x4", (1, 3, 5, 4)), ("c4_4x6_batch2", (2, 4, 4, 6))):
        x = random(*shape, scale=1.5, offset=0.3)
        gamma, beta = random(shape[0], shape[1], scale=0.5), random(shape[0], shape[1], scale=0.5)
        cases.append(case(name, {"eps": 1e-5}, {"x": x, "gamma": gamma, "beta": beta}, adain(x, gamma, beta, 1e-5)))
    write("adain", "out[n,c] = instance_norm(x)[n,c] * (1 + gamma[n,c]) + beta[n,c] (SPEC 2.4; gamma, beta (N,C) from the MLPs)", cases)


def elementwise_input():
    return f32(np.concatenate([[0.0, -0.0, 1.0, -1.0, 1e-3, -1e-3, 5.0, -5.0, 30.0, -30.0], rng.standard_normal(14) * 2]).reshape(1, 2, 3, 4))


def make_activations():
    x = elementwise_input()
    y = random(2, 3, 2, 2, scale=3)
    write("leaky_relu", "y = x if x >= 0 else negative_slope * x",
          [case("slope_0.1", {"negative_slope": 0.1}, {"x": x}, leaky_relu(x, 0.1)),
           case("slope_0.1_batch2", {"negative_slope": 0.1}, {"x": y}, leaky_relu(y, 0.1))])
    write("relu", "y = max(x, 0)", [case("mixed_signs", {}, {"x": x}, np.maximum(x, 0)), case("batch2", {}, {"x": y}, np.maximum(y, 0))])
    write("tanh", "y = tanh(x)", [case("mixed_signs_and_saturation", {}, {"x": x}, np.tanh(x)), case("batch2", {}, {"x": y}, np.tanh(y))])


def make_avg_pool2d():
    cases = []
    for name, shape in (("c3_4x6", (1, 3, 4, 6)), ("c2_6x6_batch2", (2, 2, 6, 6)), ("odd_size_floor_5x7", (1, 2, 5, 7))):
        x = random(*shape)
        cases.append(case(name, {"kernel_size": 2, "stride": 2}, {"x": x}, avg_pool2d(x, 2, 2)))
    write("avg_pool2d", "out[y,x] = mean of in[2y:2y+2, 2x:2x+2]; floor mode, no padding", cases)


def make_upsample_nearest2d():
    cases = []
    for name, shape in (("c2_3x4", (1, 2, 3, 4)), ("c3_2x5_batch2", (2, 3, 2, 5))):
        x = random(*shape)
        cases.append(case(name, {"scale_factor": 2, "mode": "nearest"}, {"x": x}, upsample_nearest2d(x, 2)))
    write("upsample_nearest2d", "out[y,x] = in[floor(y/2), floor(x/2)]", cases)


def make_resize_bilinear():
    specs = [  # name, input shape, output size
        ("downscale_2x", (1, 2, 8, 6), (4, 3)),
        ("upscale_2x", (1, 2, 3, 4), (6, 8)),
        ("non_integer_ratio", (1, 3, 5, 7), (8, 4)),
        ("upscale_4x_deformation_like", (1, 2, 4, 4), (16, 16)),
        ("batch2_upscale_1.5x", (2, 1, 4, 6), (6, 9)),
    ]
    cases = []
    for name, shape, size in specs:
        x = random(*shape)
        cases.append(case(name, {"size": list(size), "align_corners": False, "mode": "bilinear"}, {"x": x}, resize_bilinear(x, size)))
    write("resize_bilinear", "align_corners False: s = max((d + 0.5) * in/out - 0.5, 0); i0 = floor(s), i1 = min(i0 + 1, in - 1), lambda = s - i0; rows and columns separately", cases)


def make_grid_sample():
    cases = []
    for name, shape, out_size in (("c3_5x6_grid4x7", (1, 3, 5, 6), (4, 7)), ("c2_4x4_grid3x3_batch2", (2, 2, 4, 4), (3, 3))):
        x = random(*shape)
        grid = f32(rng.uniform(-1.2, 1.2, size=(shape[0], out_size[0], out_size[1], 2)))
        cases.append(case(name, {"mode": "bilinear", "padding_mode": "zeros", "align_corners": False}, {"x": x, "grid": grid}, grid_sample(x, grid)))
    # Exact landmarks: centre, the corners +-1 (half a pixel outside), pixel centres, and far outside.
    x = random(1, 1, 4, 4)
    points = [(0, 0), (-1, -1), (1, 1), (-1, 1), (-0.75, -0.75), (0.75, 0.25), (-1.2, 0), (0, 1.2), (1.5, 1.5), (-0.5, 0.5), (0.25, -0.25), (1.1, -1.1)]
    grid = f32(np.array(points).reshape(1, 3, 4, 2))
    cases.append(case("landmarks_1x4x4", {"mode": "bilinear", "padding_mode": "zeros", "align_corners": False}, {"x": x, "grid": grid}, grid_sample(x, grid)))
    # A constant-1 image with the identity align-corners grid (SPEC 4.5: zero flow is not identity; edges 0.5, corners 0.25).
    ones = f32(np.ones((1, 1, 4, 4)))
    coordinates = [2 * i / 3 - 1 for i in range(4)]
    grid = f32(np.array([[[gx, gy] for gx in coordinates] for gy in coordinates]).reshape(1, 4, 4, 2))
    cases.append(case("ones_identity_align_corners_grid", {"mode": "bilinear", "padding_mode": "zeros", "align_corners": False}, {"x": ones, "grid": grid}, grid_sample(ones, grid)))
    write("grid_sample", "bilinear, zeros padding, align_corners False: px = ((gx + 1) * W - 1) / 2, py = ((gy + 1) * H - 1) / 2; out-of-image neighbours add 0, weights not renormalised", cases)


def make_concat():
    a, b = random(1, 2, 3, 4), random(1, 3, 3, 4)
    c, d, e = random(2, 1, 2, 3), random(2, 2, 2, 3), random(2, 1, 2, 3)
    write("concat", "out = cat([x0, x1, ...], dim) in input-name order",
          [case("two_inputs_dim1", {"dim": 1}, {"x0": a, "x1": b}, np.concatenate([a, b], axis=1)),
           case("three_inputs_dim1_batch2", {"dim": 1}, {"x0": c, "x1": d, "x2": e}, np.concatenate([c, d, e], axis=1))])


def self_check():
    """Cross-checks between the references (run before writing; uses its own RNG, so fixtures do not depend on it)."""
    check = np.random.default_rng(7)
    # conv_transpose2d is the adjoint of conv2d: <conv2d(x, W), y> = <x, conv_transpose2d(y, W)>.
    x, weight = check.standard_normal((1, 3, 8, 6)), check.standard_normal((4, 3, 3, 3))
    forward = conv2d(x, weight, None, stride=2, padding=1)
    y = check.standard_normal(forward.shape)
    adjoint = conv_transpose2d(y, weight, None, stride=2, padding=1, output_padding=1)
    assert adjoint.shape == x.shape and abs(np.sum(forward * y) - np.sum(x * adjoint)) < 1e-9
    # SPEC 2.2 (t3s2): even output rows take only kh = 1 from row m.
    single = conv_transpose2d(np.ones((1, 1, 3, 3)), np.arange(9.0).reshape(1, 1, 3, 3), None, 2, 1, 1)
    assert single[0, 0, 0, 0] == 4.0 and single.shape == (1, 1, 6, 6)
    # conv1d (dilation 2, padding 2) equals a vectorised formula over the zero-padded input.
    x1, w1 = check.standard_normal((2, 3, 9)), check.standard_normal((2, 3, 3))
    padded = np.pad(x1, ((0, 0), (0, 0), (2, 2)))
    vectorised = sum(np.einsum("oc,nct->not", w1[:, :, k], padded[:, :, 2 * k:2 * k + 9]) for k in range(3))
    assert np.allclose(conv1d(x1, w1, None, 1, 2, 2), vectorised)
    # Bilinear resize to the same size is the identity; nearest x2 then 2x2 average pooling is the identity.
    image = check.standard_normal((1, 2, 5, 4))
    assert np.allclose(resize_bilinear(image, (5, 4)), image)
    assert np.allclose(avg_pool2d(upsample_nearest2d(image, 2), 2, 2), image)
    # SPEC 4.5: a constant-1 image under the identity align-corners grid: 1 inside, 0.5 edges, 0.25 corners (W = 64).
    coordinates = [2 * i / 63 - 1 for i in range(64)]
    grid = np.array([[[gx, gy] for gx in coordinates] for gy in coordinates]).reshape(1, 64, 64, 2)
    sampled = grid_sample(np.ones((1, 1, 64, 64)), grid)
    assert abs(sampled[0, 0, 0, 0] - 0.25) < 1e-12 and abs(sampled[0, 0, 0, 30] - 0.5) < 1e-12 and abs(sampled[0, 0, 30, 30] - 1) < 1e-12
    # layer_norm2d with one channel equals instance_norm2d (unit affine).
    assert np.allclose(layer_norm2d(image[:, :1], np.ones((1, 1, 1)), np.zeros((1, 1, 1)), 1e-5), instance_norm2d(image[:, :1], 1e-5))


# ---------------------------------------------------------------------------------------------
# Optional: the references against real PyTorch outputs (`--check-golden [shared dir]`)

def read_safetensors(path):
    import struct
    with open(path, "rb") as handle:
        blob = handle.read()
    header_length = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + header_length])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = {"F32": np.float32, "F64": np.float64}[info["dtype"]]
        tensors[name] = np.frombuffer(blob[8 + header_length + begin:8 + header_length + end], dtype=dtype).reshape(info["shape"]).astype(np.float64)
    return tensors


def fast_conv2d(x, weight, bias, padding):
    """Vectorised stride-1 conv2d, used only to reach the golden intermediates quickly; checked against conv2d first."""
    kernel = weight.shape[2]
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    height, width = padded.shape[2] - kernel + 1, padded.shape[3] - kernel + 1
    out = sum(np.einsum("oc,nchw->nohw", weight[:, :, i, j], padded[:, :, i:i + height, j:j + width])
              for i in range(kernel) for j in range(kernel))
    return out + bias.reshape(1, -1, 1, 1)


def check_golden(shared):
    """Composes the references into PIRender sub-graphs whose PyTorch outputs are in the small golden set."""
    golden = os.path.join(shared, "pirender", "golden")
    io = read_safetensors(os.path.join(golden, "small_seed1.io.safetensors"))
    weights = read_safetensors(os.path.join(golden, "small_seed1.weights.safetensors"))
    w = lambda name: weights[name + ".weight"]
    b = lambda name: weights[name + ".bias"]
    lrelu = lambda x: leaky_relu(x, 0.1)
    results = []

    def compare(label, ours, theirs):
        error = np.max(np.abs(ours - theirs)) / max(1.0, np.max(np.abs(theirs)))
        results.append((label, error))
        print(f"  {label:58s} normalised error {error:.2e}")

    probe_rng = np.random.default_rng(3)
    probe = probe_rng.standard_normal((1, 3, 9, 8)), probe_rng.standard_normal((4, 3, 3, 3)), probe_rng.standard_normal(4)
    assert np.allclose(fast_conv2d(*probe, 1), conv2d(*probe, 1, 1))

    # MappingNet: first.0 = conv1d k7; encoder0 branch = conv1d k3 dilation 3 of LReLU(first).
    first = conv1d(io["driving_coeffs"], w("mapping_net.first.0"), b("mapping_net.first.0"))
    compare("conv1d k7 (mapping first)", first, io["debug.mapping.first"])
    branch = conv1d(lrelu(io["debug.mapping.first"]), w("mapping_net.encoder0.1"), b("mapping_net.encoder0.1"), 1, 0, 3)
    compare("leaky_relu + conv1d k3 d3 (mapping encoder0 branch)", branch, io["debug.mapping.encoder0_branch"])

    # Deformation resize and grid_sample (SPEC 4.5).
    grid = resize_bilinear(io["deformation"].transpose(0, 3, 1, 2), (64, 64)).transpose(0, 2, 3, 1)
    compare("resize_bilinear 16->64 (sampling grid)", grid, io["debug.sampling_grid"])
    compare("grid_sample (warp_image)", grid_sample(io["input_image"], io["debug.sampling_grid"]), io["warp_image"])
    grid64 = resize_bilinear(io["f64.deformation"].transpose(0, 3, 1, 2), (64, 64)).transpose(0, 2, 3, 1)
    compare("resize_bilinear + grid_sample in float64 (f64.warp_image)", grid_sample(io["input_image"], grid64), io["f64.warp_image"])

    # EditingNet encoder: first = LReLU(LN2d(c7(cat(input, warp)))); down0 = AvgPool(LReLU(LN2d(c3(first)))).
    joined = np.concatenate([io["input_image"], io["warp_image"]], axis=1)
    first = lrelu(layer_norm2d(fast_conv2d(joined, w("editing_net.encoder.first.model.0"), b("editing_net.encoder.first.model.0"), 3),
                               w("editing_net.encoder.first.model.1"), b("editing_net.encoder.first.model.1"), 1e-5))
    compare("concat + conv2d k7 + layer_norm2d + leaky_relu (edit first)", first, io["debug.edit.encoder_out.0"])
    down = lrelu(layer_norm2d(fast_conv2d(io["debug.edit.encoder_out.0"], w("editing_net.encoder.down0.model.0"), b("editing_net.encoder.down0.model.0"), 1),
                              w("editing_net.encoder.down0.model.1"), b("editing_net.encoder.down0.model.1"), 1e-5))
    compare("avg_pool2d (edit down0)", avg_pool2d(down, 2, 2), io["debug.edit.encoder_out.1"])

    # ADAIN with its MLP (SPEC 2.4), inside the editing decoder's res blocks: y = ADAIN(conv2(x)) + x (SPEC 5.3).
    descriptor = io["descriptor"].reshape(1, -1)

    def adain_module(x, prefix):
        hidden = np.maximum(linear(descriptor, w(prefix + ".mlp_shared.0"), b(prefix + ".mlp_shared.0")), 0)
        gamma, beta = linear(hidden, w(prefix + ".mlp_gamma"), b(prefix + ".mlp_gamma")), linear(hidden, w(prefix + ".mlp_beta"), b(prefix + ".mlp_beta"))
        return adain(x, gamma, beta, 1e-5)

    out = io["debug.edit.encoder_out.3"]
    for block in ("res0", "res1"):
        prefix = f"editing_net.decoder.res2.{block}"
        out = adain_module(conv2d(out, w(prefix + ".conv2"), b(prefix + ".conv2"), 1, 1), prefix + ".norm2") + out
    compare("linear + adain + conv2d k3 (edit res2)", out, io["debug.edit.res2_out"])

    # Nearest x2 then c3, LN2d, LReLU (edit up0).
    up = upsample_nearest2d(io["debug.edit.res0_out"], 2)
    up = lrelu(layer_norm2d(fast_conv2d(up, w("editing_net.decoder.up0.model.0"), b("editing_net.decoder.up0.model.0"), 1),
                            w("editing_net.decoder.up0.model.1"), b("editing_net.decoder.up0.model.1"), 1e-5))
    compare("upsample_nearest2d + conv2d + layer_norm2d (edit up0)", up, io["debug.edit.up0_out"])

    # Warp decoder blocks 4, 3, 2 (SPEC 4.2): conv_transpose2d t3s2 with ADAIN and skip concats.
    encoder = [io[f"debug.warp.encoder_out.{k}"] for k in range(6)]
    out = encoder[5]
    for level, skip in ((4, encoder[4]), (3, encoder[3]), (2, encoder[2])):
        prefix = f"warpping_net.hourglass.decoder.decoder{level}"
        shortcut = conv_transpose2d(lrelu(adain_module(out, prefix + ".norm_s")), w(prefix + ".conv_s"), b(prefix + ".conv_s"), 2, 1, 1)
        main = conv2d(lrelu(adain_module(out, prefix + ".norm_0")), w(prefix + ".conv_0"), b(prefix + ".conv_0"), 1, 1)
        main = conv_transpose2d(lrelu(adain_module(main, prefix + ".norm_1")), w(prefix + ".conv_1"), b(prefix + ".conv_1"), 2, 1, 1)
        out = np.concatenate([shortcut + main, skip], axis=1)
    compare("conv_transpose2d t3s2 + adain + concat (warp decoder)", out, io["debug.warp.hourglass_out"])

    # Final layer: tanh(c7(x)) on a corner crop (rows/columns 0..7 need input 0..10 only).
    final_input = io["debug.edit.up0_out"] + io["debug.edit.jump0_out"]
    crop = conv2d(final_input[:, :, :11, :11], w("editing_net.decoder.final.model.0"), b("editing_net.decoder.final.model.0"), 1, 3)
    compare("conv2d k7 p3 (loops, corner crop) + tanh (fake_image)", np.tanh(crop[:, :, :8, :8]), io["fake_image"][:, :, :8, :8])

    worst = max(error for _, error in results)
    assert worst < 1e-4, f"a reference disagrees with PyTorch by {worst:.2e}"
    print(f"all {len(results)} golden comparisons within 1e-4 (worst {worst:.2e})")


if __name__ == "__main__":
    import sys
    if len(sys.argv) > 1 and sys.argv[1] == "--check-golden":
        here = os.path.dirname(os.path.abspath(__file__))
        check_golden(sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "shared"))
        sys.exit(0)
    self_check()
    make_conv1d()
    make_conv2d()
    make_conv_transpose2d()
    make_linear()
    make_layer_norm2d()
    make_instance_norm2d()
    make_adain()
    make_activations()
    make_avg_pool2d()
    make_upsample_nearest2d()
    make_resize_bilinear()
    make_grid_sample()
    make_concat()
