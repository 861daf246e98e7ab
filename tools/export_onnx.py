#!/usr/bin/env python3
"""Writes a model of halo's zoo as an ONNX file, from halo's own definition of it.

torch is not needed: the graph comes from `halo flops MODEL --per node --format json` (every node
with its op, inputs, window and shapes), and the ONNX graph is written with the onnx package:
conv -> Conv, batchnorm -> BatchNormalization, relu -> Relu, relu6 -> Clip(0, 6), maxpool ->
MaxPool, avgpool -> AveragePool, adaptive_avgpool -> GlobalAveragePool (1x1), AveragePool (the
input a multiple of the output) or nothing (same size), flatten -> Flatten, linear -> Gemm
(transB=1), add -> Add. Initializers carry torchvision's state_dict names (conv1.weight,
bn1.running_mean, fc.bias, ...), so the file is what torch.onnx.export of the torchvision model
writes with do_constant_folding off, but with random weights: He-normal convs and linears,
batchnorms near the identity with some spread, and the batchnorm that ends a residual branch
scaled down, so that activations stay in range through any depth.

With --check SEED the script also runs the file in ONNX Runtime on a seeded N(0,1) input and
writes OUT.input.f32 (raw float32 3xHxW, for `halo infer --input-raw`) and OUT.logits.f32
(ONNX Runtime's output, raw float32).

Example:
  tools/export_onnx.py resnet50 --input 224x224 -o resnet50.onnx --check 1
  halo infer resnet50.onnx --input-raw resnet50.onnx.input.f32 --out halo.f32
"""
import argparse
import json
import subprocess
import sys

import numpy as np


def halo_nodes(halo, model, h, w):
    out = subprocess.run([halo, "flops", model, "--per", "node", "--format", "json", "--input", f"{h}x{w}"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["rows"]


def build(rows, in_c, h, w, seed):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    name_of = {-1: "input"}  # halo node index -> ONNX value name
    readers = {}
    for r in rows:
        for p in r["inputs"]:
            readers[p] = readers.get(p, 0) + 1

    def add_init(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name))
        return name

    # the batchnorm that ends a residual branch (the operand of an add that is not the shortcut)
    branch_end = set()
    for r in rows:
        if r["op"] == "add":
            for p in r["inputs"]:
                if p >= 0 and rows[p]["op"] == "batchnorm":
                    branch_end.add(p)
    n_adds = max(1, sum(r["op"] == "add" for r in rows))
    for r in rows:
        i, op, n = r["index"], r["op"], r["name"]
        x = [name_of[p] for p in r["inputs"]]
        y = f"{n}.out" if op != "linear" or i != len(rows) - 1 else "logits"
        if op == "conv":
            cout, (kh, kw), g = r["out"][0], r["kernel"], r["groups"]
            cin = r["in"][0]
            fan_in = cin // g * kh * kw
            wt = rng.standard_normal((cout, cin // g, kh, kw), dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in))
            ins = x + [add_init(f"{n}.weight", wt)]
            has_bias = r["params"] > cout * (cin // g) * kh * kw
            if has_bias:
                ins.append(add_init(f"{n}.bias", rng.uniform(-0.05, 0.05, cout)))
            p = r["padding"]
            nodes.append(helper.make_node("Conv", ins, [y], name=n, kernel_shape=[kh, kw], strides=r["stride"],
                                          pads=[p[0], p[1], p[0], p[1]], dilations=r["dilation"], group=g))
        elif op == "batchnorm":
            c = r["out"][0]
            gamma = rng.uniform(0.8, 1.2, c) * (1 / np.sqrt(n_adds) if i in branch_end else 1.0)
            ins = x + [add_init(f"{n}.weight", gamma), add_init(f"{n}.bias", rng.uniform(-0.1, 0.1, c)),
                       add_init(f"{n}.running_mean", rng.uniform(-0.1, 0.1, c)),
                       add_init(f"{n}.running_var", rng.uniform(0.7, 1.3, c))]
            nodes.append(helper.make_node("BatchNormalization", ins, [y], name=n, epsilon=1e-5))
        elif op == "relu":
            nodes.append(helper.make_node("Relu", x, [y], name=n))
        elif op == "relu6":
            lo, hi = add_init(f"{n}.min", np.array(0.0)), add_init(f"{n}.max", np.array(6.0))
            nodes.append(helper.make_node("Clip", x + [lo, hi], [y], name=n))
        elif op in ("maxpool", "avgpool"):
            p = r["padding"]
            attrs = dict(kernel_shape=r["kernel"], strides=r["stride"], pads=[p[0], p[1], p[0], p[1]])
            if op == "avgpool":
                attrs["count_include_pad"] = 1
            nodes.append(helper.make_node("MaxPool" if op == "maxpool" else "AveragePool", x, [y], name=n, **attrs))
        elif op == "adaptive_avgpool":
            (ih, iw), (oh, ow) = r["in"][1:], r["out"][1:]
            if (oh, ow) == (1, 1):
                nodes.append(helper.make_node("GlobalAveragePool", x, [y], name=n))
            elif (oh, ow) == (ih, iw):
                name_of[i] = x[0]  # the identity: nothing to compute
                continue
            elif ih % oh == 0 and iw % ow == 0:
                k = [ih // oh, iw // ow]
                nodes.append(helper.make_node("AveragePool", x, [y], name=n, kernel_shape=k, strides=k))
            else:
                sys.exit(f"{n}: adaptive pooling {ih}x{iw} -> {oh}x{ow} has uneven bins, which ONNX cannot express")
        elif op == "flatten":
            nodes.append(helper.make_node("Flatten", x, [y], name=n, axis=1))
        elif op == "linear":
            fout, fin = r["out"][0], r["in"][0] * r["in"][1] * r["in"][2]
            gain = (1.0 if i == len(rows) - 1 else 2.0) / fin
            wt = rng.standard_normal((fout, fin), dtype=np.float32) * np.float32(np.sqrt(gain))
            ins = x + [add_init(f"{n}.weight", wt)]
            if r["params"] > fout * fin:
                ins.append(add_init(f"{n}.bias", rng.uniform(-0.05, 0.05, fout)))
            nodes.append(helper.make_node("Gemm", ins, [y], name=n, transB=1))
        elif op == "add":
            nodes.append(helper.make_node("Add", x, [y], name=n))
        else:
            sys.exit(f"{n}: op {op} has no ONNX mapping here")
        name_of[i] = y
    out = name_of[len(rows) - 1]
    last = rows[-1]["out"]
    out_shape = [1, last[0]] if rows[-1]["op"] in ("linear", "flatten") else [1] + last
    graph = helper.make_graph(nodes, "halo", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, in_c, h, w])],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="halo export_onnx.py")
    model.ir_version = 8
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a model of halo's zoo (halo models)")
    ap.add_argument("-o", "--out", required=True, help="the ONNX file to write")
    ap.add_argument("--input", default="224x224", help="HxW the file's input declares (default 224x224)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    ap.add_argument("--halo", default="build/halo", help="the halo command (default build/halo)")
    ap.add_argument("--check", type=int, metavar="SEED",
                    help="also run ONNX Runtime on a seeded N(0,1) input: writes OUT.input.f32 and OUT.logits.f32")
    a = ap.parse_args()
    h, w = (int(v) for v in (a.input.split("x") if "x" in a.input else (a.input, a.input)))
    rows = halo_nodes(a.halo, a.model, h, w)
    model = build(rows, 3, h, w, a.seed)
    import onnx
    onnx.save(model, a.out)
    onnx.checker.check_model(a.out)  # by path: no second copy of the weights in memory
    if a.check is not None:
        import onnxruntime as ort
        x = np.random.default_rng(a.check).standard_normal((1, 3, h, w)).astype(np.float32)
        sess = ort.InferenceSession(a.out, providers=["CPUExecutionProvider"])
        y = sess.run(None, {"input": x})[0]
        x.tofile(a.out + ".input.f32")
        y.astype(np.float32).tofile(a.out + ".logits.f32")


if __name__ == "__main__":
    main()
