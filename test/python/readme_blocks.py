"""The README's fenced code blocks, for the tests that run them as written."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def readme_block(language, containing):
    """The first ```language block of README.md that contains `containing`."""
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(), re.S)
    found = [b for b in blocks if containing in b]
    assert found, f"no ```{language} block with {containing!r} in README.md"
    return found[0]
