#!/usr/bin/env python3
"""Small CNNs written as ONNX files with the onnx package, random weights, for test_onnx_nets.sh:

  inception.onnx  a stem, an inception block (1x1; 1x1 -> 3x3; 1x1 -> 5x5 with SAME_UPPER padding;
                  3x3 max pool -> 1x1) joined by Concat, a reduction block with strided branches
                  (3x3 stride 2 with asymmetric pads; 1x1 -> 3x3 stride 2; 3x3 max pool stride 2
                  with ceil_mode) joined by Concat, average pooling without padded taps, Gemm
  residual.onnx   ResNet-style: stem, max pool, basic blocks with residual Add (a strided one with
                  a 1x1 downsample), the flatten exporters write for x.view(x.size(0), -1) (Shape,
                  Gather, Unsqueeze, Concat -> Reshape), MatMul + Add for the classifier, Dropout
  mobilenet.onnx  MobileNetV3-style: stem conv + BN + HardSwish, depthwise separable blocks with
                  ReLU6 (Clip with constant inputs), an inverted residual with Add, a squeeze-and-
                  excitation block (GlobalAveragePool -> Conv 1x1 -> Relu -> Conv 1x1 -> HardSigmoid
                  -> Mul), LeakyRelu, Sigmoid, a per-channel constant Mul and Add, Flatten, Gemm

For each NAME it writes NAME.onnx, NAME.onnx.input.f32 (a seeded N(0,1) input, raw float32
CxHxW) and NAME.onnx.logits.f32 (ONNX Runtime's output for it, raw float32).
Usage: onnx_nets.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Net:
    def __init__(self, name, seed):
        self.name, self.rng = name, np.random.default_rng(seed)
        self.nodes, self.inits, self.k = [], [], 0

    def fresh(self, base):
        self.k += 1
        return f"{base}_{self.k}"

    def init(self, name, arr, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def node(self, op, inputs, **attrs):
        out = self.fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k, s=1, pads=None, group=1, bias=True, auto_pad=None, dil=1):
        name = self.fresh("conv")
        fan_in = cin // group * k * k
        w = self.init(f"{name}.weight", self.rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in))
        ins = [x, w] + ([self.init(f"{name}.bias", self.rng.uniform(-0.1, 0.1, cout))] if bias else [])
        attrs = dict(kernel_shape=[k, k], strides=[s, s], group=group, dilations=[dil, dil])
        if auto_pad:
            attrs["auto_pad"] = auto_pad
        else:
            p = (k - 1) // 2 * dil
            attrs["pads"] = pads if pads is not None else [p, p, p, p]
        self.nodes.append(helper.make_node("Conv", ins, [name], name=name, **attrs))
        return name

    def bn(self, x, c, scale=1.0):
        name = self.fresh("bn")
        r = self.rng
        ins = [x, self.init(f"{name}.weight", r.uniform(0.8, 1.2, c) * scale), self.init(f"{name}.bias", r.uniform(-0.1, 0.1, c)),
               self.init(f"{name}.running_mean", r.uniform(-0.1, 0.1, c)), self.init(f"{name}.running_var", r.uniform(0.7, 1.3, c))]
        self.nodes.append(helper.make_node("BatchNormalization", ins, [name], name=name, epsilon=1e-5))
        return name

    def gemm(self, x, fin, fout):
        name = self.fresh("fc")
        w = self.init(f"{name}.weight", self.rng.standard_normal((fout, fin)) / np.sqrt(fin))
        b = self.init(f"{name}.bias", self.rng.uniform(-0.1, 0.1, fout))
        self.nodes.append(helper.make_node("Gemm", [x, w, b], [name], name=name, transB=1))
        return name

    def save(self, outdir, out, c, h, w, n_out):
        graph = helper.make_graph(self.nodes, self.name, [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, c, h, w])],
                                  [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, n_out])], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="halo tests")
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        path = os.path.join(outdir, self.name + ".onnx")
        onnx.save(model, path)
        import onnxruntime as ort
        x = np.random.default_rng(7).standard_normal((1, c, h, w)).astype(np.float32)
        y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
        x.tofile(path + ".input.f32")
        y.astype(np.float32).tofile(path + ".logits.f32")


def inception(outdir):
    n = Net("inception", 1)
    x = n.node("Relu", [n.bn(n.conv("image", 3, 16, 3, s=2), 16)])
    # inception block: four branches, concatenated on channels
    b1 = n.node("Relu", [n.conv(x, 16, 8, 1)])
    b2 = n.node("Relu", [n.conv(n.node("Relu", [n.conv(x, 16, 8, 1)]), 8, 12, 3)])
    b3 = n.node("Relu", [n.conv(n.node("Relu", [n.conv(x, 16, 4, 1)]), 4, 6, 5, auto_pad="SAME_UPPER")])
    b4 = n.node("Relu", [n.conv(n.node("MaxPool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]), 16, 6, 1)])
    x = n.node("Concat", [b1, b2, b3, b4], axis=1)  # 32 channels
    # reduction block: strided branches
    r1 = n.node("Relu", [n.conv(x, 32, 16, 3, s=2, pads=[0, 0, 1, 1])])
    r2 = n.node("Relu", [n.conv(n.node("Relu", [n.conv(x, 32, 8, 1)]), 8, 8, 3, s=2, pads=[1, 1, 1, 1])])
    r3 = n.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 0, 0], ceil_mode=1)
    x = n.node("Concat", [r1, r2, r3], axis=-3)  # 56 channels
    x = n.node("Relu", [n.bn(n.conv(x, 56, 64, 3, dil=2), 64)])
    x = n.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0)
    x = n.node("GlobalAveragePool", [x])
    x = n.node("Flatten", [x], axis=1)
    n.save(outdir, n.gemm(x, 64, 10), 3, 48, 48, 10)


def residual(outdir):
    n = Net("residual", 2)
    x = n.node("Relu", [n.bn(n.conv("image", 3, 16, 7, s=2, bias=False), 16)])
    x = n.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])

    def block(x, cin, cout, s):
        y = n.node("Relu", [n.bn(n.conv(x, cin, cout, 3, s=s, bias=False), cout)])
        y = n.bn(n.conv(y, cout, cout, 3, bias=False), cout, scale=0.5)
        sc = x if s == 1 and cin == cout else n.bn(n.conv(x, cin, cout, 1, s=s, bias=False), cout)
        return n.node("Relu", [n.node("Add", [y, sc])])

    x = block(x, 16, 16, 1)
    x = block(x, 16, 16, 1)
    x = block(x, 16, 32, 2)
    x = block(x, 32, 32, 1)
    x = n.node("GlobalAveragePool", [x])
    # x.view(x.size(0), -1) as torch.onnx exports it
    shape = n.node("Shape", [x])
    batch = n.node("Gather", [shape, n.init("zero", np.array(0), np.int64)], axis=0)
    batch = n.node("Unsqueeze", [batch, n.init("axes0", np.array([0]), np.int64)])
    target = n.node("Concat", [batch, n.init("minus1", np.array([-1]), np.int64)], axis=0)
    x = n.node("Reshape", [x, target])
    x = n.node("Dropout", [x])
    w = n.init("fc.weight_t", n.rng.standard_normal((32, 10)) / np.sqrt(32))
    x = n.node("MatMul", [x, w])
    x = n.node("Add", [x, n.init("fc.bias", n.rng.uniform(-0.1, 0.1, 10))])
    n.save(outdir, x, 3, 64, 64, 10)


def mobilenet(outdir):
    n = Net("mobilenet", 3)
    lo, hi = n.init("zero_f", np.array(0.0)), n.init("six_f", np.array(6.0))

    def relu6(x):
        return n.node("Clip", [x, lo, hi])

    x = n.node("HardSwish", [n.bn(n.conv("image", 3, 16, 3, s=2, bias=False), 16)])
    # depthwise separable block
    x = relu6(n.bn(n.conv(x, 16, 16, 3, group=16, bias=False), 16))
    x = n.bn(n.conv(x, 16, 24, 1, bias=False), 24)
    # inverted residual with a squeeze-and-excitation block
    y = relu6(n.bn(n.conv(x, 24, 72, 1, bias=False), 72))
    y = n.node("HardSwish", [n.bn(n.conv(y, 72, 72, 3, group=72, bias=False), 72)])
    s = n.node("GlobalAveragePool", [y])
    s = n.node("Relu", [n.conv(s, 72, 18, 1)])
    s = n.node("HardSigmoid", [n.conv(s, 18, 72, 1)], alpha=1.0 / 6, beta=0.5)
    y = n.node("Mul", [y, s])
    y = n.bn(n.conv(y, 72, 24, 1, bias=False), 24, scale=0.5)
    x = n.node("Add", [x, y])
    # a strided depthwise block, LeakyRelu, a per-channel constant scale and shift, Sigmoid gate
    x = n.node("LeakyRelu", [n.bn(n.conv(x, 24, 24, 3, s=2, group=24, bias=False), 24)], alpha=0.1)
    x = n.node("Mul", [x, n.init("scale", n.rng.uniform(0.5, 1.5, (1, 24, 1, 1)))])
    x = n.node("Add", [n.init("shift", n.rng.uniform(-0.2, 0.2, (24, 1, 1))), x])
    g = n.node("Sigmoid", [n.conv(x, 24, 24, 1)])
    x = n.node("Mul", [g, x])
    x = n.node("HardSwish", [n.bn(n.conv(x, 24, 48, 1, bias=False), 48)])
    x = n.node("GlobalAveragePool", [x])
    x = n.node("Flatten", [x])
    n.save(outdir, n.gemm(x, 48, 10), 3, 64, 64, 10)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    inception(out)
    residual(out)
    mobilenet(out)
