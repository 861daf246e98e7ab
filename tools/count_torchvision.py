#!/usr/bin/env python3
"""Independent MAC and parameter counts from torchvision's own model definitions.

Counts multiply-accumulates with forward hooks on nn.Conv2d (output elements x Cin/groups x Kh x Kw)
and nn.Linear (in x out) -- the convention of torchvision's model table -- at several input sizes.
tests/test_count.c holds the integers this printed. Needs torch and torchvision (not needed by the
tests):  python3 tools/count_torchvision.py 224x224 225x317 97x131
"""
import sys

import torch
import torchvision.models as models

NAMES = ("resnet18 resnet34 resnet50 resnet101 resnet152 vgg11 vgg11_bn vgg13 vgg13_bn vgg16 "
         "vgg16_bn vgg19 vgg19_bn alexnet mobilenet_v2").split()


def count_macs(model, h, w):
    macs = [0]

    def hook(mod, _inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            macs[0] += out.numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, torch.nn.Linear):
            macs[0] += mod.in_features * mod.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(torch.zeros(1, 3, h, w))
    for handle in handles:
        handle.remove()
    return macs[0]


def main():
    sizes = [tuple(int(v) for v in s.split("x")) for s in (sys.argv[1:] or ["224x224"])]
    print("model,params," + ",".join(f"macs_{h}x{w}" for h, w in sizes))
    for name in NAMES:
        model = getattr(models, name)(weights=None).eval()
        params = sum(p.numel() for p in model.parameters())
        print(f"{name},{params}," + ",".join(str(count_macs(model, h, w)) for h, w in sizes))


if __name__ == "__main__":
    main()
