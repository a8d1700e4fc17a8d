"""What `transforms/data/base_images.toml` knows, asked in the terms the DF3xx rules need.

An image reference is split once into registry prefix, image name, tag and
digest; a tag of an official image into version, flavour and variant
(`3.12.1-slim-bookworm`, `21-jre-alpine`, `lts-slim`).  Every question a rule
asks (is it floating, is it end-of-life, what is its slim variant, how big is
it) is a small method of `Knowledge`, so facts stay in data and the rules
stay short.

The knowledge a file sees is the shipped file with the user's
`base-images.extra` entries merged over it: `knowledge(context)` builds it
once per `FileContext` (the merge itself once per distinct `extra`), and a
`Tag` keeps the `Knowledge` it was read with.  There is no module state, so
two files with different settings never see each other's knowledge.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any, Mapping, NamedTuple

from rewriter.context import FileContext, Settings, load_data

_VERSION = re.compile(r"^(0|[1-9]\d*)(\.\d+)*([a-z_+][0-9a-z._+]*)?$")


def knowledge(context: FileContext) -> Knowledge:
    """The knowledge for this file: the shipped facts with its settings' `extra` merged over them."""
    return context.memo(knowledge, lambda: Knowledge(_merged(_extra_json(context.settings))))


def _extra_json(settings: Settings) -> str:
    """The `extra` option as canonical JSON (a hashable cache key); "" when there is none."""
    extra = options(settings).get("extra")
    return json.dumps(extra, sort_keys=True, default=str) if isinstance(extra, Mapping) and extra else ""


@lru_cache(maxsize=8)
def _merged(extra_json: str) -> dict[str, Any]:
    shipped = load_data("base_images")
    if not extra_json:
        return shipped
    return _deep_merge(shipped, json.loads(extra_json))


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def options(settings: Settings) -> Mapping[str, Any]:
    """The user's `base_images` options (allowed_registries, preferred_variant, extra; `today` for tests)."""
    value = settings.options.get("base_images", {})
    return value if isinstance(value, Mapping) else {}


def today(settings: Settings) -> dt.date:
    """The date end-of-life is judged on: the `today` option (tests, reproducible runs) or the clock."""
    value = options(settings).get("today")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return dt.date.today()


# -- references ----------------------------------------------------------------


class ImageRef(NamedTuple):
    """`[prefix/]name[:tag][@digest]`, with `prefix` as written (so it renders back unchanged)."""

    prefix: str
    name: str
    tag: str | None
    digest: str | None

    @staticmethod
    def parse(text: str) -> ImageRef:
        rest, _, digest = text.partition("@")
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        tag = None
        if colon > slash:
            rest, tag = rest[:colon], rest[colon + 1 :]
        prefix, _, name = rest.rpartition("/")
        return ImageRef(prefix, name, tag, digest or None)

    def render(self) -> str:
        out = f"{self.prefix}/{self.name}" if self.prefix else self.name
        if self.tag is not None:
            out += f":{self.tag}"
        if self.digest is not None:
            out += f"@{self.digest}"
        return out

    def with_tag(self, tag: str) -> ImageRef:
        return self._replace(tag=tag)


class ImageConfig(NamedTuple):
    """What a stage FROM an image starts with, as far as `[image_configs]` knows; None in a field = unknown.

    `workdir` is "/" when nothing along the image's chain sets a WORKDIR
    (BuildKit then runs in `/`); `user` is "root" when nothing sets USER;
    `cmd` and `entrypoint` are exec-form lists, `()` when unset.  `os` is
    "debian", "ubuntu", "alpine"... and `codename` the Debian or Ubuntu
    release (None where only the family is known).
    """

    image: str
    """The repository the facts are about ("python", "mcr.microsoft.com/dotnet/sdk")."""
    workdir: str | None
    cmd: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    user: str | None
    os: str | None
    codename: str | None


_CONFIG_FIELDS = ("workdir", "cmd", "entrypoint", "user")


# -- tags ----------------------------------------------------------------------


class Tag:
    """An official image's tag: version (or alias) + flavour + variant suffix.

    It keeps the `Knowledge` it is read against, so its questions (`floating`,
    `key`, `suffix`...) need no other argument; two tags that read the same are
    equal whatever knowledge they carry.  An immutable value like the
    NamedTuples around it (not one itself: `knowledge` must stay out of
    equality, hashing and repr).
    """

    __slots__ = ("image", "version", "alias", "flavour", "variant", "knowledge")

    image: str
    version: str | None
    """As written: "3.12", "3.12.4", "21.0.2_13"; None when the tag names no version."""
    alias: str | None
    """A word standing for a version: "latest", "lts", "bookworm", "3"."""
    flavour: str
    variant: str
    knowledge: Knowledge

    def __init__(self, image: str, version: str | None, alias: str | None, flavour: str, variant: str, *, knowledge: Knowledge) -> None:
        init = object.__setattr__  # the instance is frozen: see __setattr__
        init(self, "image", image)
        init(self, "version", version)
        init(self, "alias", alias)
        init(self, "flavour", flavour)
        init(self, "variant", variant)
        init(self, "knowledge", knowledge)

    def _compared(self) -> tuple[str, str | None, str | None, str, str]:
        """What equality, hashing and repr see: everything but `knowledge`."""
        return (self.image, self.version, self.alias, self.flavour, self.variant)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tag):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        image, version, alias, flavour, variant = self._compared()
        return f"Tag(image={image!r}, version={version!r}, alias={alias!r}, flavour={flavour!r}, variant={variant!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: Tag is immutable (use _replace)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: Tag is immutable")

    def _replace(self, **changes: Any) -> Tag:
        """A copy with some fields changed, spelled like `NamedTuple._replace`."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Tag(**fields)

    def render(self) -> str:
        head = self.version if self.version is not None else (self.alias if self.alias not in (None, "latest") else None)
        parts = [p for p in (head, self.flavour, self.variant) if p]
        return "-".join(parts) if parts else "latest"

    @property
    def info(self) -> dict[str, Any]:
        return self.knowledge.image_info(self.image)

    @property
    def floating(self) -> bool:
        """No version, or a word that moves between versions (latest, lts, stable)."""
        if self.version is not None:
            return False
        return self.alias is None or self.alias in self.knowledge.data["tags"]["floating"]

    @property
    def key(self) -> str | None:
        """The knowledge file's version key ("3.12" for "3.12.4"), following aliases."""
        versions = self.info.get("versions", {})
        if self.version is None:
            target = self.info.get("aliases", {}).get(self.alias or "latest") or (
                self.info.get("default_version") if self.alias is None else None
            )
            return target if target in versions else None
        return self.knowledge.version_key(self.image, self.version)

    @property
    def suffix(self) -> dict[str, Any]:
        """What the variant means (os, codename, slim); {} for the plain tag."""
        if not self.variant:
            return {}
        return dict(self.knowledge.data["variant_suffixes"].get(self.variant, {}))

    @property
    def codename(self) -> str | None:
        """The Debian/Ubuntu codename the tag is built on, if known."""
        suffix = self.suffix
        if suffix.get("os") == "alpine":
            return None
        codename = suffix.get("codename")
        if codename and not codename.startswith("("):
            return str(codename)
        entry = self.info.get("versions", {}).get(self.key or "", {})
        if self.info.get("kind") == "os" and entry.get("codename"):
            return str(entry["codename"])
        per_version = entry.get("default_codename")
        return per_version or self.info.get("default_codename")


def kind_of(tag: Tag) -> str:
    """Which `sizes` entry a tag falls under: full, slim, alpine (or jdk/jre...)."""
    suffix = tag.suffix
    if tag.image == "eclipse-temurin":
        flavour = tag.flavour or tag.info.get("default_flavour", "jdk")
        return f"{flavour}_alpine" if suffix.get("os") == "alpine" else flavour
    if suffix.get("os") == "alpine":
        return "alpine"
    if suffix.get("slim"):
        return "slim"
    return "full"


# -- the knowledge -------------------------------------------------------------


class Knowledge:
    """The base-image facts one file is judged against: the shipped file, the user's `extra` merged over it.

    `data` is shared between files with the same settings (see `_merged`):
    read it, never change it.
    """

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    # -- references and tags

    def official_name(self, ref: ImageRef, settings: Settings) -> str | None:
        """The official image a reference names, or None (private registry, user namespace, unknown image)."""
        name = self._docker_hub_name(ref, settings)
        return name if name in self.data["images"] else None

    def _docker_hub_name(self, ref: ImageRef, settings: Settings) -> str | None:
        """The official image's name when the reference is written with an official prefix (or a mirror the user allows)."""
        prefixes = set(self.data["registries"]["official_prefixes"])
        prefixes.update(str(p).rstrip("/") for p in options(settings).get("allowed_registries", ()))
        if ref.prefix.lower() not in prefixes and ref.prefix not in prefixes:
            return None
        return ref.name.lower()

    def image_info(self, name: str) -> dict[str, Any]:
        return self.data["images"].get(name, {})

    def version_key(self, image: str, version: str) -> str | None:
        """The longest version key of `image` that `version` falls under."""
        info = self.image_info(image)
        alias = info.get("aliases", {}).get(version)
        if alias is not None:
            return alias if alias in info.get("versions", {}) else None
        best = None
        for key in info.get("versions", {}):
            if version == key or (version.startswith(key) and version[len(key)] in "._u+-"):
                if best is None or len(key) > len(best):
                    best = key
        return best

    def parse_tag(self, image: str, tag: str | None) -> Tag | None:
        """Split a tag of a known image; None when its shape is not one the knowledge file describes."""
        info = self.image_info(image)
        if tag is None:
            return Tag(image, None, None, "", "", knowledge=self)
        words = tag.split("-")
        version: str | None = None
        alias: str | None = None
        aliases = info.get("aliases", {})
        first = words[0]
        if first in aliases:
            alias, words = first, words[1:]
        elif _VERSION.match(first):
            version, words = first, words[1:]
        flavour = ""
        if words and words[0] in info.get("flavours", ()):
            flavour, words = words[0], words[1:]
        variant = "-".join(words)
        suffixes = self.data["variant_suffixes"]
        if variant and variant not in suffixes:
            return None  # timid: a tag shape we do not know (dated snapshot, rc, windows...)
        if variant and suffixes[variant].get("ignore"):
            return None
        return Tag(image, version, alias, flavour, variant, knowledge=self)

    # -- image configs

    def repository(self, ref: ImageRef, settings: Settings) -> str | None:
        """The `[image_configs]` key a reference names: the official image's name, or the full
        repository of another registry ("mcr.microsoft.com/dotnet/sdk"); None when not described."""
        configs = self.data.get("image_configs", {})
        name = self._docker_hub_name(ref, settings) or f"{ref.prefix}/{ref.name}".lower()
        return name if name in configs else None

    def image_config(self, ref: ImageRef, settings: Settings) -> ImageConfig | None:
        """The config a FROM of `ref` starts with (see `ImageConfig`); None when the image or its tag is not described.

        A digest alone says nothing about which tag it was; with a tag beside
        it (`python:3.12@sha256:...`) the tag decides.
        """
        repository = self.repository(ref, settings)
        if repository is None or (ref.tag is None and ref.digest is not None):
            return None
        entry = self._config_entry(repository)
        if entry is None:
            return None
        release = self._tag_release(repository, entry, ref.tag)
        if release is None:
            return None
        os_name, codename, version, flavour = release
        values: dict[str, Any] = dict.fromkeys(_CONFIG_FIELDS)
        inherited = self.data["image_configs"].get(os_name or "", {}) if entry.get("from_os") else entry
        for name in _CONFIG_FIELDS:
            if name in inherited:
                values[name] = inherited[name]
        own = {name: entry[name] for name in _CONFIG_FIELDS if name in entry}
        unknown = set(entry.get("unknown", ()))
        flavour_entry = entry.get("flavours", {}).get(flavour, {})
        for older in entry.get("older", ()):
            place = _version_place(version, str(older["below"]), str(older.get("from", "")) or None)
            changed = [n for n in _CONFIG_FIELDS if n in older] + list(older.get("inherit", ())) + list(older.get("unknown", ()))
            if place == "inside":
                own.update({n: older[n] for n in _CONFIG_FIELDS if n in older})
                for name in older.get("inherit", ()):
                    own.pop(name, None)
                unknown.update(older.get("unknown", ()))
                if older.get("unknown_os"):
                    os_name = codename = None
            elif place == "unsure":
                unknown.update(changed)
                if older.get("unknown_os"):
                    os_name = codename = None
        for name in flavour_entry.get("inherit", ()):
            own.pop(name, None)
        own.update({n: flavour_entry[n] for n in _CONFIG_FIELDS if n in flavour_entry})
        reset = "entrypoint" in own and "cmd" not in own
        if reset:
            own["cmd"] = []  # BuildKit: setting ENTRYPOINT resets the CMD inherited from the base
        values.update(own)
        for name in set(entry.get("since", {})) | set(entry.get("since_version", {})):
            by_date = name in entry.get("since", {}) and self._built_since(repository, version, entry["since"][name])
            by_version = name in entry.get("since_version", {}) and (version is None or _at_least(version, entry["since_version"][name]))
            if not (by_date or by_version):
                unknown.add(name)
        if reset and "entrypoint" in unknown:
            unknown.add("cmd")  # without the entrypoint, the CMD would be the base image's
        if os_name is None or (entry.get("from_os") and os_name not in self.data["image_configs"]):
            unknown.update(n for n in _CONFIG_FIELDS if n not in own)
        for name in unknown:
            values[name] = None
        workdir, user = values["workdir"], values["user"]
        return ImageConfig(
            image=repository,
            workdir=None if workdir is None else (workdir or "/"),
            cmd=None if values["cmd"] is None else tuple(values["cmd"]),
            entrypoint=None if values["entrypoint"] is None else tuple(values["entrypoint"]),
            user=None if user is None else (user or "root"),
            os=os_name,
            codename=codename or None,
        )

    def installed_packages(self, ref: ImageRef, settings: Settings) -> frozenset[str]:
        """The Debian or Ubuntu packages the image a reference names keeps installed on top of its OS image
        (`[installed_packages]`), for DF204: apt installs no recommend that one of them satisfies.

        Empty when the repository, the tag's shape or its OS is not described,
        or the tag is Alpine's: never a guess.  A package listed only from a
        version on counts for a tag whose every release is that version or newer.
        """
        config = self.image_config(ref, settings)
        tables = self.data.get("installed_packages", {})
        entry = tables.get(config.image) if config is not None and config.os in ("debian", "ubuntu") else None
        if config is None or entry is None:
            return frozenset()
        if "base_tags" in entry:  # built FROM another image, whose tag this one's tag names
            for pattern, image, template in entry["base_tags"]:
                found = re.search(pattern, ref.tag or "")
                if found is not None and image != config.image:
                    return self.installed_packages(ImageRef("", image, found.expand(template), None), settings)
            return frozenset()
        words = (ref.tag or "latest").split("-")
        word = next((w for w in words if w in entry.get("words", {})), None)
        if word is not None:
            entry = tables.get(entry["words"][word])
            if entry is None:
                return frozenset()
        parsed = self.parse_tag(config.image, ref.tag) if config.image in self.data["images"] else None
        version = parsed.version or parsed.key if parsed is not None else None
        found: set[str] = set()
        for _ in range(10):  # `from` chains are a few entries long; a cycle in user data stops here
            own = set(entry.get("packages", ()))
            if config.os == "ubuntu":
                own.update(entry.get("ubuntu", ()))
            own.update(p for flavour, extra in entry.get("flavours", {}).items() if flavour in words for p in extra)
            own.difference_update(n for n, since in entry.get("since_version", {}).items() if version is None or not _at_least(version, str(since)))
            found |= own
            entry = tables.get(entry.get("from", ""))
            if entry is None:
                break
        return frozenset(found)

    def _config_entry(self, repository: str) -> dict[str, Any] | None:
        configs = self.data.get("image_configs", {})
        entry = configs.get(repository)
        seen = 0
        while entry is not None and "same_as" in entry and seen < 5:
            entry, seen = configs.get(entry["same_as"]), seen + 1
        return entry

    def _tag_release(self, repository: str, entry: Mapping[str, Any], tag: str | None) -> tuple[str | None, str | None, str | None, str] | None:
        """(os, codename, version, flavour) a tag of `repository` is built on; None for a tag shape not described."""
        if repository in self.data["images"] and not entry.get("own_tags"):
            parsed = self.parse_tag(repository, tag)
            if parsed is None:
                return None
            os_name, codename = self._os_of_tag(parsed, entry.get("os_family"))
            if not parsed.suffix.get("codename", "").isalpha() and not self._newest_of_line(parsed):
                codename = None  # an older release of the line may have been built on an older release of the OS
            return os_name, codename, parsed.version, parsed.flavour or self.image_info(repository).get("default_flavour", "")
        words = (tag or "latest").split("-")
        version = words[0] if _VERSION.match(words[0]) else None
        rest_words = words[1:] if version is not None else words
        flavour = rest_words[0] if rest_words and rest_words[0] in entry.get("flavours", {}) else ""
        rest = "-".join(rest_words[1:] if flavour else rest_words)
        if any(word in rest for word in entry.get("unknown_words", ())):
            return None
        if "fixed_os" in entry:
            os_name, codename = entry["fixed_os"]
            return os_name, codename or None, version, flavour
        suffixes = self.data["variant_suffixes"]
        for suffix in sorted(suffixes, key=len, reverse=True):
            if rest == suffix or rest.endswith("-" + suffix):
                found = suffixes[suffix]
                if found.get("ignore"):
                    return None
                default = self._default_os(entry, version) or ["", ""]
                codename = found.get("codename", "")
                if codename.startswith("("):  # "(image default_codename)": the image's default, when of that OS
                    codename = default[1] if default[0] == found["os"] else ""
                return found["os"], codename or None, version, flavour
        floating = entry.get("floating_tags", {}).get(tag or "latest")
        if floating is not None:  # a whole tag that follows a moving default (gradle's `jdk21`, a dev container's `3.12`)
            os_name, codename = floating
            return os_name, codename or None, version, flavour
        for word, os_name, codename in entry.get("os_words", ()):
            if re.search(rf"(^|-){re.escape(word)}(-|$|\d)", rest):
                return os_name, codename or None, version, flavour
        by_version = entry.get("default_os_by_version")
        if by_version is not None:
            key = next((k for k in by_version if version is not None and _version_place(version, _successor(k), k) == "inside"), None)
            if key is None:
                return None
            os_name, codename = by_version[key]
            return os_name, codename or None, version, flavour
        default = self._default_os(entry, version)
        if default is not None and rest in ("", "latest"):
            os_name, codename = default
            return os_name, codename or None, version, flavour
        if not entry.get("from_os"):
            return entry.get("os"), None, version, flavour
        return None

    @staticmethod
    def _default_os(entry: Mapping[str, Any], version: str | None) -> list[str] | None:
        """[os, codename] of a tag that names no OS: the image's default for a floating tag (no version, or
        one of its `floating_versions`); for a versioned one, the release its line was last built on, from
        `last_built_on` (first version of each range, oldest first); None when the data does not say."""
        if version is None or version in entry.get("floating_versions", ()):
            return entry.get("default_os")
        ranges = entry.get("last_built_on", ())
        for (start, *found), following in zip(ranges, [*ranges[1:], None]):
            if following is not None and _version_place(version, following[0], start) == "inside":
                return found
            if following is None and _padded(_release_parts(version), 4) >= _padded(_number(start), 4):
                return found  # the newest range is open: every later line is built on its release too
        return None

    def _newest_of_line(self, tag: Tag) -> bool:
        """The tag names its version line's newest build: no version, the line itself (`3.12`), or its `current` release."""
        if tag.version is None or tag.image in ("debian", "ubuntu", "alpine"):
            return True
        key = tag.key
        return key is not None and tag.version in (key, self.image_info(tag.image)["versions"][key].get("current"))

    def _os_of_tag(self, tag: Tag, family: str | None) -> tuple[str | None, str | None]:
        """(os, codename) of an official image's tag; `family` is the OS of its tags that name no other."""
        suffix = tag.suffix
        if suffix.get("os") not in (None, "debian", "ubuntu"):
            return suffix["os"], None
        if tag.image in ("debian", "ubuntu", "alpine"):
            return tag.image, tag.codename
        codename = tag.codename
        if codename is None:
            return None, None
        for os_name in ("ubuntu", "debian"):
            if self.release(os_name, codename) is not None:
                return os_name, codename
        return (family, codename) if family else (None, None)

    def _built_since(self, repository: str, version: str | None, since: dt.date) -> bool:
        """True if the image a tag names today was built on or after `since`: a tag that floats within a
        version line still published after that day (a pinned release may be older)."""
        if version is None:
            return True
        if repository not in self.data["images"]:
            return False
        key = self.version_key(repository, version)
        if key is None or version != key:
            return False
        entry = self.image_info(repository)["versions"][key]
        return not is_eol(entry, since)

    # -- life cycle

    def supported_version(self, image: str, key: str, on: dt.date) -> str | None:
        """The version to move an end-of-life `key` to: its `replacement`, followed while that is EOL too."""
        versions = self.image_info(image).get("versions", {})
        seen = set()
        current = key
        while current in versions and is_eol(versions[current], on) and current not in seen:
            seen.add(current)
            nxt = versions[current].get("replacement") or _next_supported(versions, current, on)
            if nxt is None:
                return None
            current = nxt
        entry = versions.get(current)
        if entry is None or is_eol(entry, on) or not entry.get("published", False):
            return None
        return current

    def release(self, os_name: str, codename_or_version: str) -> dict[str, Any] | None:
        """A Debian or Ubuntu release by codename (Debian) or version (Ubuntu)."""
        table = self.data.get(os_name, {}).get("releases", {})
        if codename_or_version in table:
            out = dict(table[codename_or_version])
            out.setdefault("codename", codename_or_version)
            return out
        for key, entry in table.items():
            if entry.get("codename") == codename_or_version or entry.get("version") == codename_or_version:
                out = dict(entry)
                out.setdefault("codename", key)
                return out
        return None

    def codename_eol(self, codename: str, on: dt.date) -> bool:
        """True if the Debian/Ubuntu release behind a variant suffix is past its end of life."""
        for os_name in ("debian", "ubuntu"):
            entry = self.release(os_name, codename)
            if entry is not None:
                return is_eol(entry, on)
        return False

    def alpine_eol(self, version: str, on: dt.date) -> bool:
        entry = self.data["alpine"]["releases"].get(version)
        return entry is not None and is_eol(entry, on)

    # -- variants and sizes

    def slim_suffix(self, image: str, codename: str | None) -> str | None:
        """The slim variant suffix of `image`, pinned to `codename` when the image publishes it."""
        info = self.image_info(image)
        style = info.get("slim_style", "")
        if not style:
            return None
        if codename:
            candidate = style.format(codename=codename)
            if candidate in info.get("variants", ()):
                return candidate
        return "slim" if "slim" in info.get("variants", ()) else None

    def size_mb(self, image: str, kind: str) -> float | None:
        value = self.image_info(image).get("sizes", {}).get(kind)
        return float(value) if isinstance(value, (int, float)) else None

    def saving(self, before: Tag, after: Tag) -> float | None:
        """Estimated MB saved by moving from one tag to another (None when a size is unknown)."""
        old, new = self.size_mb(before.image, kind_of(before)), self.size_mb(after.image, kind_of(after))
        if old is None or new is None:
            return None
        return old - new


# -- life cycle (pure) -----------------------------------------------------------


def _end_of_life(entry: Mapping[str, Any]) -> dt.date | None:
    """The day support ends; Debian LTS counts as support, Ubuntu ESM (paid) does not."""
    date = entry.get("eol_lts") or entry.get("eol")
    if isinstance(date, str):  # from the user's `extra` knowledge, through JSON
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            return None
    return date if isinstance(date, dt.date) else None


def is_eol(entry: Mapping[str, Any], on: dt.date) -> bool:
    end = _end_of_life(entry)
    if end is not None:
        return end <= on
    return entry.get("status") == "eol"


def _number(key: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else -1 for p in key.split("."))


def _version_place(version: str | None, below: str, start: str | None) -> str:
    """Where the releases a tag may name fall against [start, below): "inside", "outside" or "unsure".

    A tag names every release its version is a prefix of (`5` is 5.0 up to
    5.x, `5.4` is 5.4.0 up to 5.4.x, `8u302` is 8); a floating tag (no
    version) is the newest release, after every range the data describes.
    """
    if version is None:
        return "outside"
    parts = _release_parts(version)
    width = 4
    low = _padded(parts, width)
    high = _padded(parts[:-1] + (parts[-1] + 1,), width)
    end = _padded(_number(below), width)
    begin = _padded(_number(start), width) if start else (0,) * width
    if low == end:
        return "unsure"  # the first release with the newer config may also have been published with the older one
    if high <= begin or low >= end:
        return "outside"
    if low >= begin and high <= end:
        return "inside"
    return "unsure"


def _at_least(version: str, release: str) -> bool:
    """Every release a tag may name is `release` or newer."""
    return _version_place(version, release, None) == "outside" and _padded(_release_parts(version), 4) >= _padded(_number(release), 4)


def _successor(key: str) -> str:
    """The first version after a version line: "8.0" -> "8.1", "8" -> "9"."""
    parts = _number(key)
    return ".".join(str(p) for p in parts[:-1] + (parts[-1] + 1,))


def _release_parts(version: str) -> tuple[int, ...]:
    return _number(re.split(r"[-_+a-z]", version, maxsplit=1)[0])


def _padded(parts: tuple[int, ...], width: int) -> tuple[int, ...]:
    return (parts + (0,) * width)[:width]


def _next_supported(versions: Mapping[str, Any], key: str, on: dt.date) -> str | None:
    """The oldest newer version still supported on `on` (when the data names no replacement yet)."""
    newer = [
        k for k, v in versions.items()
        if _number(k) > _number(key) and v.get("published") and v.get("status") != "prerelease" and not is_eol(v, on)
    ]
    return min(newer, key=_number) if newer else None
