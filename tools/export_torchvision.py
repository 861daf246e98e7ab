#!/usr/bin/env python3
"""Writes a torchvision model's weights as a safetensors file that `halo infer --weights` loads.

Tensors are named as torchvision's state_dict names them (conv1.weight, bn1.running_var,
layer1.0.downsample.1.bias, features.0.weight, classifier.6.bias, ...), stored float32,
contiguous, little-endian; BatchNorm's num_batches_tracked (a training counter) is left out.
The header's __metadata__ says {"format": "pt", "model": NAME, "producer": "torchvision"}.

Weights are torchvision's pretrained ones with --pretrained (taken from torch's hub cache;
--download lets torchvision fetch them), otherwise torchvision's own random initialisation after
torch.manual_seed(--seed). --perturb-bn also randomises every BatchNorm's gamma, beta, running
mean and running variance, so that a cross-check exercises BatchNorm (freshly initialised it is
almost the identity).

With --logits IMAGE_OR_SEED the script also runs the model in torch (eval mode, float32, CPU) on
an image (PNG/JPEG through torchvision's evaluation transform: Resize(S), CenterCrop(H, W),
ToTensor, Normalize with the ImageNet mean/std, S = round(256/224 * min(H, W)) as halo does) or
on torch.randn(1, 3, H, W) after torch.manual_seed(SEED), and writes
  OUT.input.f32   the input tensor, raw float32 3xHxW (feed it to `halo infer --input-raw`)
  OUT.logits.f32  torch's logits, raw float32 (compare with `halo infer --out`)

Needs torch and torchvision; not used by halo's tests. Example:
  tools/export_torchvision.py resnet50 resnet50.safetensors --pretrained
  tools/export_torchvision.py resnet18 r18.safetensors --seed 1 --perturb-bn --logits 7 --input 96x96
  halo infer resnet18 --backend ref --input 96x96 --weights r18.safetensors \\
      --input-raw r18.input.f32 --out halo.logits.f32
"""
import argparse
import json
import math
import os
import struct
import sys


def parse_size(s):
    parts = s.lower().split("x")
    try:
        if len(parts) == 1:
            h = w = int(parts[0])
        elif len(parts) == 2:
            h, w = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{s}': expected HxW")
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(f"'{s}': sides must be >= 1")
    return h, w


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 numpy array). Written as the format says: u64 LE header
    length, JSON header padded with spaces to an 8-byte boundary, then the data back to back."""
    try:
        from safetensors.numpy import save_file  # the reference writer, when installed
    except ImportError:
        save_file = None
    tmp = path + ".tmp"
    if save_file is not None:
        save_file({n: a for n, a in tensors}, tmp, metadata=metadata)
    else:
        header = {"__metadata__": metadata}
        off = 0
        for name, a in tensors:
            header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
            off += a.nbytes
        h = json.dumps(header, separators=(",", ":")).encode("utf-8")
        h += b" " * (-(8 + len(h)) % 8)
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for _, a in tensors:
                f.write(a.tobytes())
    os.replace(tmp, path)


def load_model(args, torch, torchvision):
    if args.pretrained:
        weights = torchvision.models.get_model_weights(args.model).DEFAULT
        cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(weights.url))
        if not os.path.exists(cached) and not args.download:
            sys.exit(f"export_torchvision: {args.model}: pretrained weights are not cached at {cached}; "
                     "pass --download to let torchvision fetch them")
        return torchvision.models.get_model(args.model, weights=weights), f"pretrained {weights}"
    torch.manual_seed(args.seed)
    model = torchvision.models.get_model(args.model, weights=None)
    source = f"random init, torch.manual_seed({args.seed})"
    if args.perturb_bn:
        g = torch.Generator().manual_seed(args.seed + 1)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    c = m.num_features
                    m.weight.copy_(0.8 + 0.4 * torch.rand(c, generator=g))
                    m.bias.copy_(0.2 * torch.rand(c, generator=g) - 0.1)
                    m.running_mean.copy_(0.2 * torch.rand(c, generator=g) - 0.1)
                    m.running_var.copy_(0.7 + 0.6 * torch.rand(c, generator=g))
        source += ", BatchNorm perturbed"
    return model, source


def make_input(args, torch, torchvision):
    h, w = args.input
    src = args.logits
    if os.path.exists(src):
        from PIL import Image
        import torchvision.transforms as T

        short = int(math.floor(256.0 * min(h, w) / 224.0 + 0.5))
        tf = T.Compose([T.Resize(short), T.CenterCrop((h, w)), T.ToTensor(),
                        T.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))])
        with Image.open(src) as im:
            x = tf(im.convert("RGB"))
        return x.unsqueeze(0), f"image {src}"
    try:
        seed = int(src)
    except ValueError:
        sys.exit(f"export_torchvision: --logits: '{src}' is neither a file nor an integer seed")
    torch.manual_seed(seed)
    return torch.randn(1, 3, h, w), f"torch.randn after torch.manual_seed({seed})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="torchvision model name (resnet50, vgg16, mobilenet_v2, ...)")
    ap.add_argument("out", help="safetensors file to write")
    ap.add_argument("--pretrained", action="store_true", help="torchvision's default pretrained weights")
    ap.add_argument("--download", action="store_true", help="with --pretrained: fetch them if not cached")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random initialisation (default 0)")
    ap.add_argument("--perturb-bn", action="store_true", help="randomise BatchNorm parameters and statistics")
    ap.add_argument("--logits", metavar="IMAGE_OR_SEED", help="also write torch's input and logits")
    ap.add_argument("--input", type=parse_size, default=(224, 224), metavar="HxW",
                    help="input size for --logits (default 224x224)")
    args = ap.parse_args()

    import torch
    import torchvision

    model, source = load_model(args, torch, torchvision)
    model.eval()
    tensors = []
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        tensors.append((name, t.detach().to(torch.float32).contiguous().cpu().numpy().astype("<f4")))
    meta = {"format": "pt", "model": args.model, "producer": "torchvision", "source": source}
    write_safetensors(args.out, tensors, meta)
    n = sum(a.size for _, a in tensors)
    print(f"{args.out}: {args.model}, {len(tensors)} tensors, {n} floats, {os.path.getsize(args.out)} bytes ({source})")

    if args.logits is not None:
        base = args.out[:-len(".safetensors")] if args.out.endswith(".safetensors") else args.out
        x, what = make_input(args, torch, torchvision)
        with torch.no_grad():
            y = model(x)
        x[0].contiguous().numpy().astype("<f4").tofile(base + ".input.f32")
        y[0].contiguous().numpy().astype("<f4").tofile(base + ".logits.f32")
        top = torch.topk(torch.softmax(y[0].double(), 0), 5)
        print(f"{base}.input.f32: {what}, 3x{args.input[0]}x{args.input[1]} float32")
        print(f"{base}.logits.f32: {y.shape[1]} float32; top-5 "
              + ", ".join(f"{i} ({p:.6f})" for p, i in zip(top.values.tolist(), top.indices.tolist())))


if __name__ == "__main__":
    main()
