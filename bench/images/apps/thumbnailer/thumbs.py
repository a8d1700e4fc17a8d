"""Make thumbnails of every image in a folder, as configured in a YAML file.

    python thumbs.py SOURCE DEST [--config thumbs.yaml]

Pillow, PyYAML and orjson all ship native wheels; the manifest of what was
made is written with orjson.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson
import yaml
from PIL import Image

DEFAULTS = {"size": [256, 256], "format": "WEBP", "quality": 80}


def load_config(path: Path | None) -> dict:
    config = dict(DEFAULTS)
    if path is not None:
        config.update(yaml.safe_load(path.read_text()) or {})
    return config


def thumbnail(source: Path, dest: Path, config: dict) -> dict:
    with Image.open(source) as image:
        image.thumbnail(tuple(config["size"]))
        target = dest / (source.stem + "." + config["format"].lower())
        image.save(target, config["format"], quality=config["quality"])
        return {"source": str(source), "thumbnail": str(target), "size": list(image.size)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    args.dest.mkdir(parents=True, exist_ok=True)
    made = [thumbnail(p, args.dest, config) for p in sorted(args.source.iterdir()) if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"}]
    (args.dest / "manifest.json").write_bytes(orjson.dumps(made, option=orjson.OPT_INDENT_2))
    print(f"{len(made)} thumbnails in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
