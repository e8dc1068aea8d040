"""Replaces one marked section of a Markdown file (BENCHMARKS.md) for the
bench/*.py drivers."""
import os
import re


def replace_section(path, tag, section):
    """Puts section between `<!-- tag:begin -->` and `<!-- tag:end -->` in
    path, appending the marked block when the file lacks it (and starting
    the file when it does not exist). The file is read just before it is
    written, since other drivers change their sections concurrently."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    block = f"<!-- {tag}:begin -->\n{section.rstrip(chr(10))}\n<!-- {tag}:end -->"
    pat = re.compile(rf"<!-- {tag}:begin -->.*?<!-- {tag}:end -->", re.S)
    text = pat.sub(lambda _: block, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)
