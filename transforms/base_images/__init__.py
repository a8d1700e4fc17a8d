"""Base images (DF3xx): the official slim image instead of a distro plus apt, slim
variants, pinned versions, supported releases.

The facts live in `transforms/data/base_images.toml` (sources and dates for
each); `knowledge` asks it questions, `stage` reads a stage and edits its
FROM (or the ARG default its tag comes from), `project` finds the Python
version a project asks for, `runtime` and `slim` hold the analysis behind
DF301 and DF302, and `rules` registers the four rules.
"""

from . import rules as rules  # noqa: F401  (registers DF301-DF304)
