"""Build hook: remember which simingest checkout the package was installed from.

Everything else is in pyproject.toml. pip builds a local directory in place, so
this file sits in `<checkout>/bindings/python`; the installed package records
`<checkout>` in `simingest/_source_tree.txt` so that its loader can find the
checkout's build directories from a virtual environment anywhere on disk.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyRecordingSourceTree(build_py):
    def run(self):
        super().run()
        checkout = Path(__file__).resolve().parent.parent.parent
        if (checkout / "include" / "simingest.h").is_file() and (checkout / "CMakeLists.txt").is_file():
            record = Path(self.build_lib) / "simingest" / "_source_tree.txt"
            record.write_text(str(checkout) + "\n", encoding="utf-8")


setup(cmdclass={"build_py": BuildPyRecordingSourceTree})
