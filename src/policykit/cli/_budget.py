"""The output budget of the commands that report on a whole history or repository (``diff``, ``impact``,
``evaluate``): what they write is bounded like every input (``limits.max_output_chars`` in
``policykit.yaml``, or ``--max-output-chars``); over it nothing is written and the command ends with
exit 2 (a module starting with ``_`` is not a command)."""
from __future__ import annotations

from ._args import positive_int


def add_output_budget(parser) -> None:
    parser.add_argument("--max-output-chars", type=positive_int, default=None, metavar="N",
                        help="输出的字符上限（缺省取 policykit.yaml 的 limits.max_output_chars，即 20,000,000）")


def check_output(args, command: str, *texts: str) -> None:
    """``LimitExceeded`` (exit 2) when one of ``texts`` is longer than the budget; nothing is written then."""
    limit = getattr(args, "max_output_chars", None)
    if limit is None:
        from pathlib import Path
        from ..lists.config import load_config
        limit = load_config(Path(getattr(args, "root", ".")))[0].limits.max_output_chars
    size = max((len(t) for t in texts), default=0)
    if size > limit:
        from ..errors import LimitExceeded
        raise LimitExceeded(f"[LIMIT-OUTPUT] policykit {command} 的输出有 {size:,} 个字符，超过上限 {limit:,}"
                            f"（limits.max_output_chars），未写出 (output larger than allowed)",
                            hint="缩小范围（更近的比较基准、--department、--amended-articles）；确需更大的输出时用 "
                                 "--max-output-chars N，或在 policykit.yaml 的 limits 中调高 max_output_chars")
