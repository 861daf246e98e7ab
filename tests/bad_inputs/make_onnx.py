#!/usr/bin/env python3
"""Writes the malformed ONNX files of tests/bad_inputs/onnx/ and the ONNX seeds of the fuzz corpus
(tests/fuzz/corpus/onnx/); all committed, tests do not run this. Needs python3's onnx package.

Each bad file is one thing wrong with a small valid model (image 1x3x8x8 -> Conv -> Relu ->
GlobalAveragePool -> Flatten -> Gemm): truncated, not protobuf, wrong types, missing initializers,
a cycle, unsupported ops and attributes, more inputs than one image, ... cases.txt says which
message `halo flops` must give for each. The seeds are the valid model, small networks with every
op the importer maps (concat branches, a squeeze-and-excitation gate, the exporters' shape
subgraph, asymmetric and SAME padding) and the bad files.
usage: python3 tests/bad_inputs/make_onnx.py
"""
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "onnx")
SEEDS = os.path.join(HERE, "..", "fuzz", "corpus", "onnx")
rng = np.random.default_rng(0)


def f32(name, shape, scale=0.3):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def model(nodes, inits, inputs=None, outputs=None, opset=17):
    inputs = inputs or [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])]
    g = helper.make_graph(nodes, "bad", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def good_parts():
    nodes = [helper.make_node("Conv", ["image", "c.weight", "c.bias"], ["a"], name="c", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["b"], name="relu"),
             helper.make_node("GlobalAveragePool", ["b"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["q"], name="flat"),
             helper.make_node("Gemm", ["q", "fc.weight", "fc.bias"], ["y"], name="fc", transB=1)]
    inits = [f32("c.weight", (6, 3, 3, 3)), f32("c.bias", (6,)), f32("fc.weight", (4, 6)), f32("fc.bias", (4,))]
    return nodes, inits


def save(folder, name, m_or_bytes):
    os.makedirs(folder, exist_ok=True)
    data = m_or_bytes if isinstance(m_or_bytes, bytes) else m_or_bytes.SerializeToString()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def bad(name, edit):
    nodes, inits = good_parts()
    m = model(nodes, inits)
    r = edit(m)
    save(BAD, name, r if r is not None else m)


def node_named(m, name):
    return next(n for n in m.graph.node if n.name == name)


def init_named(m, name):
    return next(t for t in m.graph.initializer if t.name == name)


good = model(*good_parts())
save(BAD, "good.onnx", good)
raw = good.SerializeToString()
save(BAD, "truncated.onnx", raw[: len(raw) // 2])
save(BAD, "empty.onnx", b"")
save(BAD, "not_protobuf.onnx", b"this is not a protobuf message at all\n")


def uint8_weight(m):
    t = init_named(m, "c.weight")
    t.data_type = TensorProto.UINT8
    t.raw_data = bytes(6 * 3 * 3 * 3)


def short_raw(m):
    init_named(m, "c.weight").raw_data = bytes(10)


def missing_init(m):
    m.graph.initializer.remove(init_named(m, "c.weight"))


def cycle(m):
    node_named(m, "c").input[0] = "b"  # conv reads relu, which reads conv


def softmax(m):
    m.graph.node.append(helper.make_node("Softmax", ["y"], ["z"], name="soft"))
    m.graph.output[0].name = "z"


def bad_attr(m):
    node_named(m, "c").attribute.append(helper.make_attribute("foo", 1))


def float_strides(m):
    node_named(m, "c").attribute.append(helper.make_attribute("strides", [1.0, 1.0]))


def two_inputs(m):
    m.graph.input.append(helper.make_tensor_value_info("other", TensorProto.FLOAT, [1, 3, 8, 8]))


def int_input(m):
    m.graph.input[0].type.tensor_type.elem_type = TensorProto.INT64


def batch2(m):
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 2


def channels(m):
    m.graph.initializer.remove(init_named(m, "c.weight"))
    m.graph.initializer.append(f32("c.weight", (6, 4, 3, 3)))


def twice(m):
    m.graph.node.insert(1, helper.make_node("Relu", ["a"], ["b"], name="relu2"))


def external(m):
    t = init_named(m, "c.weight")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "weights.bin"


def computed_weight(m):
    node_named(m, "c").input[1] = "image"


def conv1d(m):
    m.graph.initializer.remove(init_named(m, "c.weight"))
    m.graph.initializer.append(f32("c.weight", (6, 3, 3)))


def no_graph(m):
    m.ClearField("graph")


def group(m):
    node_named(m, "c").attribute.append(helper.make_attribute("group", 4))


def neg_pads(m):
    a = next(a for a in node_named(m, "c").attribute if a.name == "pads")
    a.ints[:] = [1, -1, 1, 1]


def neg_dims(m):
    init_named(m, "fc.bias").dims[0] = -4


def const_output(m):
    m.graph.output[0].name = "fc.bias"


def two_outputs(m):
    m.graph.output.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 6, 8, 8]))


def undefined_output(m):
    m.graph.output[0].name = "nowhere"


def training_bn(m):
    m.graph.node.insert(1, helper.make_node("BatchNormalization", ["a", "s", "bb", "mu", "var"], ["a2"], name="bn",
                                            training_mode=1))
    node_named(m, "relu").input[0] = "a2"
    m.graph.initializer.extend([f32("s", (6,)), f32("bb", (6,)), f32("mu", (6,)),
                                numpy_helper.from_array(np.ones(6, np.float32), "var")])


def domain(m):
    node_named(m, "relu").domain = "com.microsoft"


def mul_bcast(m):  # a constant broadcast along W, not per channel
    m.graph.node.insert(1, helper.make_node("Mul", ["a", "k"], ["a2"], name="scale"))
    node_named(m, "relu").input[0] = "a2"
    m.graph.initializer.append(f32("k", (8,)))


def reshape_3d(m):
    m.graph.node.insert(1, helper.make_node("Reshape", ["a", "shape"], ["a2"], name="rs"))
    node_named(m, "relu").input[0] = "a2"
    m.graph.initializer.append(numpy_helper.from_array(np.array([1, 6, 64], np.int64), "shape"))


def pool_pads(m):
    m.graph.node.insert(1, helper.make_node("MaxPool", ["a"], ["a2"], name="mp", kernel_shape=[2, 2], pads=[2, 2, 2, 2]))
    node_named(m, "relu").input[0] = "a2"


def avg_ceil_pad(m):
    m.graph.node.insert(1, helper.make_node("AveragePool", ["a"], ["a2"], name="ap", kernel_shape=[3, 3],
                                            strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1))
    node_named(m, "relu").input[0] = "a2"


for name, edit in [("uint8_weight.onnx", uint8_weight), ("short_raw.onnx", short_raw),
                   ("missing_initializer.onnx", missing_init), ("cycle.onnx", cycle), ("softmax.onnx", softmax),
                   ("unknown_attribute.onnx", bad_attr), ("float_strides.onnx", float_strides),
                   ("two_inputs.onnx", two_inputs), ("int_input.onnx", int_input), ("batch2.onnx", batch2),
                   ("channels.onnx", channels), ("defined_twice.onnx", twice), ("external_data.onnx", external),
                   ("computed_weight.onnx", computed_weight), ("conv1d.onnx", conv1d), ("no_graph.onnx", no_graph),
                   ("group.onnx", group), ("negative_pads.onnx", neg_pads), ("negative_dims.onnx", neg_dims),
                   ("constant_output.onnx", const_output), ("two_outputs.onnx", two_outputs),
                   ("undefined_output.onnx", undefined_output), ("training_bn.onnx", training_bn),
                   ("domain.onnx", domain), ("mul_broadcast.onnx", mul_bcast), ("reshape_3d.onnx", reshape_3d),
                   ("pool_pads.onnx", pool_pads), ("avgpool_ceil_include_pad.onnx", avg_ceil_pad)]:
    bad(name, edit)

# ---- fuzz seeds: every bad file, and small networks with each op the importer maps ---------------
os.makedirs(SEEDS, exist_ok=True)
for f in os.listdir(BAD):
    shutil.copy(os.path.join(BAD, f), os.path.join(SEEDS, f))


def seed_net():
    n = [helper.make_node("Conv", ["image", "w1"], ["a"], name="c1", strides=[2, 2], pads=[0, 0, 1, 1]),
         helper.make_node("BatchNormalization", ["a", "s", "bb", "mu", "var"], ["b"], name="bn"),
         helper.make_node("HardSwish", ["b"], ["c"]),
         helper.make_node("Conv", ["c", "w2"], ["d"], name="dw", group=4, auto_pad="SAME_UPPER", kernel_shape=[3, 3]),
         helper.make_node("Clip", ["d", "zero", "six"], ["e"]),
         helper.make_node("MaxPool", ["c"], ["f"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], ceil_mode=1),
         helper.make_node("Concat", ["e", "f"], ["g"], axis=1),
         helper.make_node("GlobalAveragePool", ["g"], ["h"]),
         helper.make_node("Conv", ["h", "w3"], ["i"], name="se"),
         helper.make_node("HardSigmoid", ["i"], ["j"], alpha=0.2, beta=0.5),
         helper.make_node("Mul", ["g", "j"], ["k"]),
         helper.make_node("LeakyRelu", ["k"], ["l"], alpha=0.1),
         helper.make_node("AveragePool", ["l"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Add", ["m", "shift"], ["m2"]),
         helper.make_node("Sigmoid", ["m2"], ["n"]),
         helper.make_node("GlobalAveragePool", ["n"], ["o"]),
         helper.make_node("Shape", ["o"], ["sh"]),
         helper.make_node("Gather", ["sh", "zero_i"], ["n0"], axis=0),
         helper.make_node("Unsqueeze", ["n0", "axes"], ["n1"]),
         helper.make_node("Concat", ["n1", "minus1"], ["tgt"], axis=0),
         helper.make_node("Reshape", ["o", "tgt"], ["p"]),
         helper.make_node("Dropout", ["p"], ["q"]),
         helper.make_node("MatMul", ["q", "fcw"], ["r"]),
         helper.make_node("Add", ["r", "fcb"], ["y"])]
    inits = [f32("w1", (4, 3, 3, 3)), f32("s", (4,)), f32("bb", (4,)), f32("mu", (4,)),
             numpy_helper.from_array(np.ones(4, np.float32), "var"), f32("w2", (4, 1, 3, 3)),
             numpy_helper.from_array(np.array(0, np.float32), "zero"), numpy_helper.from_array(np.array(6, np.float32), "six"),
             f32("w3", (8, 8, 1, 1)), f32("shift", (8, 1, 1)),
             numpy_helper.from_array(np.array(0, np.int64), "zero_i"), numpy_helper.from_array(np.array([0], np.int64), "axes"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus1"), f32("fcw", (8, 4)), f32("fcb", (4,))]
    return model(n, inits)


m = seed_net()
onnx.checker.check_model(m, full_check=True)
save(SEEDS, "every_op.onnx", m)
# the same with float16 and double weights, and typed (not raw) float data
m16 = seed_net()
for t in m16.graph.initializer:
    if t.name == "w1":
        arr = numpy_helper.to_array(t).astype(np.float16)
        t.CopyFrom(numpy_helper.from_array(arr, "w1"))
    elif t.name == "fcw":
        arr = numpy_helper.to_array(t).astype(np.float64)
        t.CopyFrom(numpy_helper.from_array(arr, "fcw"))
    elif t.name == "s":
        arr = numpy_helper.to_array(t)
        t.ClearField("raw_data")
        t.float_data.extend(arr.tolist())
m16.graph.node[0].input[1] = "w1_f"
m16.graph.node.insert(0, helper.make_node("Cast", ["w1"], ["w1_f"], to=TensorProto.FLOAT))
save(SEEDS, "typed_weights.onnx", m16)

# ---- sizes past halo's bounds, found by fuzzing and review (after the seeds above, so that the random
# weights of the files before stay the same when this script runs again) -------------------------


def pads_3d(m):
    a = next(a for a in node_named(m, "c").attribute if a.name == "pads")
    a.ints[:] = [1, 1, 1, 1, 1, 1]


def dilation_span(m):
    node_named(m, "c").attribute.append(helper.make_attribute("dilations", [40000, 1]))


def concat_channels(m):
    # 23 doublings of the 6-channel map: 50 331 648 channels
    prev = "a"
    for k in range(23):
        m.graph.node.insert(1 + k, helper.make_node("Concat", [prev, prev], [f"cat{k}"], name=f"cat{k}", axis=1))
        prev = f"cat{k}"
    node_named(m, "relu").input[0] = prev


def empty_huge(m):
    # an empty constant whose other dims multiply to 2^64
    z = helper.make_tensor("z", TensorProto.FLOAT, [0, 2**32, 2**32], [])
    m.graph.initializer.append(z)
    m.graph.node.insert(1, helper.make_node("Flatten", ["z"], ["zf"], name="zflat"))
    m.graph.node.insert(2, helper.make_node("Add", ["a", "zf"], ["a2"], name="add"))
    node_named(m, "relu").input[0] = "a2"


for name, edit in [("pads_3d.onnx", pads_3d), ("dilation_span.onnx", dilation_span),
                   ("concat_channels.onnx", concat_channels), ("empty_huge.onnx", empty_huge)]:
    bad(name, edit)
    shutil.copy(os.path.join(BAD, name), os.path.join(SEEDS, name))

# a Gemm whose B is a Constant node and whose C an initializer (an import without weights once read
# C's values through NULL)
nodes, inits = good_parts()
fc = next(n for n in nodes if n.name == "fc")
fc.input[1] = "fcw_const"
w = next(t for t in inits if t.name == "fc.weight")
inits.remove(w)
nodes.insert(0, helper.make_node("Constant", [], ["fcw_const"], name="fcw", value=w))
m = model(nodes, inits)
onnx.checker.check_model(m, full_check=True)
save(SEEDS, "gemm_constant_b.onnx", m)
